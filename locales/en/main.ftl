skip-to-content = Skip to content
language-switch = Language
not-found-title = Nothing here
not-found-body = This link is unknown or has expired. Ask your trainer for a new one.
index-title = Sandpit
index-body = Practise on a throwaway copy of the tools you are learning. Your trainer gives you a personal link to your own sandbox.
index-scenarios = Scenarios
exercise-count = { $count ->
    [one] one exercise
   *[other] { $count } exercises
}
progress-label = Progress
progress-text = { $done } of { $total } steps done
steps-label = Steps
step-locked = finish the earlier steps first
step-done = done
step-heading = Step { $number }
completed-title = All done!
completed-body = You completed every step of this scenario. Well done.
hint = Show a hint
check = Check
code-run = Run
code-run-title = Type this in the terminal and press Enter
code-run-offline = The terminal is not connected: nothing was typed
code-copy = Copy
code-copied = Copied
code-copy-failed = Selected: press Ctrl+C to copy
checking = Checking…
check-locked = Finish the earlier steps first.
feedback-passed = Passed!
feedback-failed = Not yet.
feedback-error = The check could not run, or did not finish in time. Your trainer can see why; try again in a moment.
feedback-network = Sandpit could not be reached. Check your connection and try again.
next-step = Next step →
workspace-label = Workspace
terminal = Terminal
terminal-label = Terminal: type commands here
open-in-new-tab = Open { $title } in a new tab
terminal-connecting = connecting…
terminal-connected = connected
terminal-reconnecting = reconnecting…
terminal-ended = shell ended — press Enter to start a new shell
terminal-sandbox-ended = this sandbox has ended: nothing more runs in it
terminal-sandbox-failed = this sandbox stopped working: reload the page to see what to do
terminal-fullscreen = Full screen
terminal-fullscreen-title = Full screen: Ctrl+W, Ctrl+N and Ctrl+T then reach the terminal too (Chrome, Edge). Hold Esc to leave it.
terminal-leave = A terminal is open in this page. Leave it?
terminal-keys = Keys in the terminal
terminal-keys-shell = Ctrl+C, Ctrl+D, Ctrl+R, Ctrl+L, Ctrl+Z, Tab and the arrow keys work as in any terminal. Shift+PgUp and Shift+PgDn scroll back through what was shown.
terminal-keys-copy = Copy: select with the mouse, then Ctrl+C or Ctrl+Shift+C (Ctrl+C with nothing selected interrupts the command). Paste: Ctrl+V or Ctrl+Shift+V.
terminal-keys-browser = Browsers keep Ctrl+W, Ctrl+N, Ctrl+T, Ctrl+Tab and Ctrl+Shift+W for themselves: in a normal window they close or open tabs and never reach the terminal. If one of them would close this page, the browser asks you first.
terminal-keys-fullscreen = In Chrome and Edge, the Full screen button gives those keys to the terminal (hold Esc to leave full screen). In nano, F6 also searches (like Ctrl+W) and the arrow keys move (like Ctrl+N and Ctrl+P).
terminal-keys-leave = Esc then Tab leaves the terminal. On a Mac, Cmd shortcuts stay the browser's: use Ctrl in the terminal.
terminal-help = Shift+PgUp: history · Esc, Tab: leave the terminal
terminal-scrolled = history: {"{"}n{"}"} lines up — type or Shift+PgDn to return

## Signing in (trainers and admins)
login-title = Sign in
login-name = User name
login-password = Password
login-submit = Sign in
login-learners = Learners need no account: open the link your trainer gave you.
login-wrong = The name or the password is wrong.
login-limited = Too many wrong passwords. Wait a few minutes and try again.
login-off = Signing in from a browser is off on this server because sandboxes' web tools share its address (proxy_path_fallback). Use an API token.
form-expired = This form has expired or came from another site. Reload the page and try again.
sign-out = Sign out
account-password-nav = Password
account-password-title = Change your password
account-password-first = You signed in with a one-time password that someone else was shown. Choose your own to go on.
account-password-current = Current password
account-password-new = New password
account-password-new-hint = At least { $min } characters.
account-password-confirm = New password, again
account-password-submit = Change password
account-password-mismatch = The two new passwords differ.
account-password-wrong = Your current password is not right.
account-password-too-short = A password has at least { $min } characters.
account-password-too-long = A password has at most { $max } bytes.
account-password-unchanged = The new password must differ from the current one.
index-trainers = Trainers and admins: sign in
busy-title = Your sandbox is not ready yet
busy-body = Every sandbox on this server is in use right now. Your progress is safe. You can leave this page open: it tries again by itself. If it goes on, tell your trainer.
busy-retry = Try again now
busy-wait = Please try again in { $seconds } seconds.
busy-countdown = Trying again in { $seconds } s…
busy-trying = Trying again…

## Trainer pages
trainer-title = Your cohorts
trainer-cohorts = Cohorts
trainer-no-cohorts = No cohort yet. Create one to give each learner a link to their own sandbox.
trainer-not-found = This cohort or learner does not exist, or it is not yours.
trainer-problem-title = That did not work
trainer-archived-title = Archived cohorts
trainer-show-archived = { $count ->
    [one] One archived cohort
   *[other] { $count } archived cohorts
}
trainer-show-current = Back to your current cohorts
trainer-no-archived = No archived cohort.
list-progress-heading = Progress
list-stuck-heading = Stuck now
list-progress = { $passed } of { $total } steps ({ $percent } %)
list-progress-detail = { $finished } of { $learners } learners finished
back-to-cohorts = Back to the cohorts
back-to-cohort = Back to the cohort
new-cohort = New cohort
new-cohort-title = New cohort
create-cohort = Create the cohort
cohort-name = Name
cohort-scenario = Scenario
cohort-owner = Trainer
cohort-starts = Starts
cohort-ends = Ends
cohort-learners = Learners
cohort-status = Status
cohort-when = When
cohort-when-hint = Times are read in the time zone beside them, by its IANA name (Europe/Paris, America/New_York, UTC…); with JavaScript on, your browser's zone is chosen for you. The cohort's pages and exports show its times in that zone, summer time included.
cohort-timezone = Time zone
cohort-time-zone = Time zone
cohort-capacity = Capacity
cohort-spare = Spare sandboxes
cohort-spare-hint = Warm sandboxes kept beyond one per learner, for late arrivals (0 to 50).
cohort-cap = Most sandboxes at once (optional)
cohort-cap-short = Sandbox limit
cohort-cap-hint = Leave empty for one per learner plus the spares.
cohort-cap-default = one per learner plus the spares
cohort-status-scheduled = Not launched
cohort-status-launched = Launched
cohort-status-ended = Ended
cohort-status-torn-down = Torn down
roster-one-way = Give the learners one way: paste them, upload a CSV file, or give a number of anonymous seats.
roster-paste = Paste the roster
roster-paste-hint = One learner per line: a name, an email, Name <email>, or CSV name,email,team (a first line naming the columns may reorder them).
roster-file = Or upload a CSV file
roster-seats = Or a number of anonymous seats
roster-from-file = The learners from { $file } are in the box below; correct them there if needed.
form-errors-heading = Please correct the following
field-name-invalid = Name: give the cohort a name of 1 to 100 characters.
field-name-taken = Name: you already have a cohort named “{ $name }”; choose another name.
field-name-taken-archived = Name: you already have a cohort named “{ $name }” (archived); choose another name, or restore that one.
field-scenario-invalid = Scenario: choose one of the scenarios in the list.
field-time-zone-invalid = Time zone: “{ $zone }” is not a time zone name; choose one from the list, such as Europe/Paris.
field-starts-invalid = Starts: give a date and a time.
field-starts-skipped = Starts: { $time } does not exist in { $zone } (the clocks go forward then); choose another time.
field-ends-invalid = Ends: give a date and a time.
field-ends-skipped = Ends: { $time } does not exist in { $zone } (the clocks go forward then); choose another time.
field-ends-before-start = Ends: the cohort must end after it starts.
field-ends-past = Ends: this time is in the past.
field-ends-too-late = Ends: a cohort runs for at most 366 days.
field-spare-invalid = Spare sandboxes: give a whole number from 0 to 50.
field-cap-invalid = Most sandboxes at once: leave it empty, or give a whole number of at least 1.
field-roster-one-way = Learners: give them one way only (pasted, a file, or seats), not several.
field-roster-missing = Learners: paste a roster, upload a CSV file, or give a number of seats.
field-roster-invalid = Roster: { $detail }
field-file-too-big = CSV file: this file is too large (at most 512 KiB).
field-file-not-text = CSV file: { $detail }
field-seats-invalid = Seats: give a whole number from 1 to 1000.
roster-line = line { $line }: { $detail }
roster-unreadable = the roster cannot be read: { $detail }
roster-header = a header needs a “name” or an “email” column.
roster-duplicate = { $email } is already on line { $first }.
roster-nothing = no name or email.
roster-name-invalid = the name is longer than { $max } characters or holds control characters.
roster-team-invalid = the team is longer than { $max } characters or holds control characters.
roster-too-many = a cohort has at most { $max } learners.
roster-empty = the roster is empty: list one learner per line.
roster-seats-count = a cohort has 1 to { $max } seats, not { $count }.
table-malformed = the file starts with the mark of { $encoding } text, but line { $line } is not { $encoding }; save it again as CSV (UTF-8).
table-mixed = line { $line } is not UTF-8 text, though the rest of the file is; save it again as CSV (UTF-8).
import-line = line { $line }: { $detail }
import-not-encoded = this line is not { $encoding } text, though the file starts with the mark of { $encoding }; save it again as CSV (UTF-8).
import-mixed = this line is not UTF-8 text, though the rest of the file is; save it again as CSV (UTF-8).
import-unreadable = the file cannot be read: { $detail }
import-too-long = the file has { $lines } lines; an import takes at most { $max }.
import-teams-empty = the file lists no team: give a first line naming the columns, then one team per line.
import-people-empty = the file lists nobody: give a first line naming the columns, then one person per line.
import-teams-no-header = the first line must name the columns, such as “name;kind;site;headcount;maturity”.
import-people-no-header = the first line must name the columns, such as “name;email;team”.
import-no-column = the first line names no “{ $words }” column.
import-blank = the “{ $column }” field is empty.
import-field-invalid = the “{ $column }” field is longer than { $max } characters or holds control characters.
import-kind = “{ $value }” is not a kind of team: write business (or métier) or support (or fonction support).
import-headcount = “{ $value }” is not a headcount: write a whole number of people, 0 or more, such as 1200 or 1 200.
import-maturity = “{ $value }” is not a maturity level: write a whole number from 1 (not ready) to { $max } (ready).
import-duplicate-team = the team { $team } is already on line { $first }.
import-duplicate-email = { $email } is already on line { $first }.
import-nothing = no name or email.
import-unknown-team = the team { $team } is not one of the programme’s teams ({ $known }).
import-no-teams = the programme has no teams yet: import its teams first, then their people.
email-no-at = “{ $email }” is not an email address: it needs exactly one @.
email-too-long = “{ $email }” is longer than 254 characters.
email-bad-local = “{ $email }”: the part before the @ may hold only letters, digits, inner dots (never two in a row) and ! # $ % & ' * + - / = ? ^ _ ` {"{"} | {"}"} ~, at most 64.
email-no-dot = “{ $email }”: the domain “{ $domain }” has no dot; give a real domain, such as example.org.
email-bad-label = “{ $email }”: “{ $label }” is not a valid part of a domain (ASCII letters, digits and inner hyphens, 1 to 63).
email-bad-tld = “{ $email }”: “.{ $tld }” is not a top-level domain.
email-reserved = “{ $email }”: “.{ $tld }” is kept for local or test networks and is not a real domain; an LRS refuses it.
pool-heading = Sandboxes
pool-not-launched = Not launched yet: launch to prepare a sandbox for each learner before they arrive.
pool-preparing = Sandboxes ready: { $ready } of { $target }…
pool-all-ready = { $count ->
    [one] The sandbox is ready.
   *[other] All { $count } sandboxes are ready.
}
pool-all-claimed = Every learner has their sandbox.
pool-torn-down = This cohort is torn down: its sandboxes are removed.
pool-failing = Provisioning stopped after repeated failures: { $reason }
count-ready = Ready
count-provisioning = Provisioning
count-claimed = In use
count-failed = Failed
launch = Launch
launch-retry = Try again
launch-retry-hint = Provisioning stopped after repeated failures (see above); this tries again.
launch-hint = Prepares one sandbox per learner (plus the spares) now; opening a link then takes one instantly.
launch-started = { $started ->
    [one] One sandbox is being prepared.
   *[other] { $started } sandboxes are being prepared.
}
launch-nothing-to-do = The pool is already full: nothing more to prepare.
launch-partial = { $started } started, { $refused } refused: { $reason }
launch-refused = Nothing could start: { $reason }. Try again later.
launch-over = The cohort “{ $name }” is over: create a new one to launch again.
live-on = Live
live-reconnecting = Reconnecting…
links-heading = Learners' links
links-hint = Each link is a learner's key to their own sandbox: send each one only to its learner.
links-copy-all = Copy all links
links-download-csv = Download CSV
links-as-text = All links as text
links-copied = Copied.
links-copy-failed = Could not copy: the links are selected below; press Ctrl+C (⌘C).
learner-name = Learner
learner-email = Email
learner-team = Team
learner-link = Link
learner-link-for = Link for { $name }
learner-claimed-at = Link first opened
grid-heading = Progress
grid-hint = · not started, ✗ attempted (number of checks), ✓ passed (time, UTC). Select a learner to see their checks.
grid-sandbox = Sandbox
grid-current = Current step
grid-last-activity = Last activity
grid-stuck = Stuck?
grid-finished = finished
grid-not-started = not started
grid-attempted = { $count ->
    [one] attempted, one check
   *[other] attempted, { $count } checks
}
grid-passed = passed at { $time } ({ $count ->
    [one] one check
   *[other] { $count } checks
})
stuck-failures = { $count } failed checks on this step
stuck-idle = no check for { $minutes } min
sandbox-none = link not opened
sandbox-provisioning = starting
sandbox-ready = ready
sandbox-claimed = in use
sandbox-failed = failed
sandbox-expired = expired
sandbox-destroyed = removed
exports-heading = Exports
export-separated = cells separated by “{ $sep }”
export-other-separator = with “{ $sep }” instead
export-attempts-csv = Every check (CSV)
export-attempts-json = Every check (JSON)
export-completions-csv = Completions (CSV)
export-completions-json = Completions (JSON)
export-xapi = xAPI statements (JSON)
teardown-heading = Tear down
teardown-explain = Removes every sandbox of this cohort now; the links stop working. What the learners did (checks, completions) is kept and can still be exported.
teardown-confirm = Yes, remove every sandbox of this cohort
teardown-button = Tear down the cohort
teardown-unconfirmed = Tick the box to confirm the teardown; nothing was removed.
teardown-title = Cohort torn down
teardown-removed = { $count ->
    [one] One sandbox was removed.
   *[other] { $count } sandboxes were removed.
}
teardown-failed = Could not be removed
teardown-sandbox = Sandbox
teardown-error = Why
teardown-records-kept = Attempts and completions are kept.
archive-heading = Archive
archive-explain = This cohort is over. Archiving takes it out of your list of cohorts; everything it recorded is kept, and it can be restored.
archive-button = Archive the cohort
archive-done = The cohort “{ $name }” is archived: it is no longer in your list of cohorts.
archive-not-over = The cohort “{ $name }” is not over yet: tear it down first, then archive it.
archived-banner = This cohort is archived ({ $when }): it is out of your list of cohorts.
restore-button = Restore
restore-done = The cohort “{ $name }” is back in your list of cohorts.
attempts-heading = Checks
attempts-none = No check yet.
attempt-completion = completed the step
attempt-duration = took
attempt-output = What the learner saw
attempt-detail = Detail for trainers
outcome-passed = Passed
outcome-failed = Not yet
outcome-error = Could not run
start-welcome = Welcome, { $name }.
start-what = { $exercises } exercises in a sandbox of your own: a terminal, the tool itself, and a Check button for each step.
start-time = Your sandbox lasts { $minutes } minutes from when you start it.
start-idle = It closes earlier if nobody uses it for { $minutes } minutes.
start-button = Start my sandbox
time-ends-at = Ends at
time-idle = Closes after { $minutes } idle minutes:
time-idle-left = { $left } left
expiry-warning = This sandbox ends in a few minutes. Ask for more time if you need it.
idle-warning = This sandbox will close soon because nobody has used it for a while. Keep working, or press "Extend" to keep it.
extend = Extend by { $minutes } min
extend-limit-max = This sandbox cannot be extended further: it already has all the extra time allowed.
extend-limit-cohort = This sandbox cannot be extended further: it already lasts until the end of your session.
ended-title = This sandbox has ended
ended-expired = Its time is up.
ended-idle = It was closed because nobody used it for a while.
ended-torn-down = It was closed by your trainer or an administrator.
ended-cohort-over = Your session ended before you started this sandbox.
sandbox-ended-banner = This sandbox has ended.
sandbox-ended-see = See what you completed
sandbox-failed-banner = This sandbox stopped working.
sandbox-failed-see = See what to do
ended-records = What you did is kept: { $done } of { $total } steps completed.
ended-next = If you need to carry on, ask your trainer for a new link.

## Resets and a sandbox that failed
sandbox-failed-title = Your sandbox stopped working
sandbox-failed-body = Your sandbox is no longer running ({ $reason }). Your progress is safe: the steps you completed stay completed.
sandbox-reset-offer = Reset gives you a fresh sandbox of the same scenario. What you changed in the old one is lost; your completed steps are kept.
sandbox-reset = Reset my sandbox
sandbox-reset-confirm = Yes, give me a fresh sandbox
sandbox-reset-explain = You get a fresh copy of the scenario, as it was at the start. Files you changed are lost; completed steps stay completed.
exercise-reset = Start this step over
exercise-reset-confirm = Yes, put this step back as it was
exercise-reset-explain = Puts the sandbox back as it was before this step. A step you already completed stays completed.
engine-down-title = The sandbox engine is unreachable
engine-down-body = The sandbox engine is unreachable right now; your work is safe. Try again in a minute, or tell your trainer.
## What the service's errors say on a page
error-internal = Something went wrong on our side. Try again in a moment.
error-engine-down = The sandbox engine is unreachable right now; your work is safe. Try again in a minute.
error-no-room = No room for another sandbox right now: { $reason }.
error-rate-limited = Too many wrong passwords; try again in { $seconds } s.
error-duplicate = There is already { $what }.
error-scenario-missing = This cohort's scenario “{ $scenario }” is not installed on this server.
error-cohort-over = Cohort “{ $name }” is over; create a new one.
error-not-usable = { $state ->
    [provisioning] This sandbox is still starting. Try again in a moment.
    [expired] This sandbox has ended: its time is up.
    [destroyed] This sandbox was removed.
    [failed] This sandbox stopped working. Reload the page to get a fresh one.
   *[other] This sandbox cannot be used right now.
  }
refusal-server-full = the limit of { $max } running sandboxes is reached
refusal-cohort-full = this cohort's limit of { $max } sandboxes is reached
refusal-torn-down = this cohort is torn down
failure-removed = the container was removed
failure-stopped = it stopped
failure-out-of-memory = it ran out of memory
failure-interrupted = it was still being prepared when the server stopped
failure-not-prepared = it could not be prepared
admin-state-live = live
admin-state-all = all

## Admin
admin-nav = Admin
admin-title = Every sandbox
admin-only-title = Admins only
admin-only = This page is for admins. Ask an admin if you need it.
admin-filters = Filters
admin-filter-state = State
admin-filter-cohort = Cohort
admin-filter-scenario = Scenario
admin-filter-apply = Show
admin-any = any
admin-totals = { $count ->
    [one] 1 sandbox shown
   *[other] { $count } sandboxes shown
  }; the engine measured { $measured }: CPU { $cpu }, memory { $memory }
admin-recordings-total = Terminal recordings of the sandboxes shown: { $size } ({ $bytes } bytes)
admin-figures-age = CPU and memory: figures from { $age } ago (refreshed in the background every { $every } s while this page is in use).
admin-figures-pending = CPU and memory: the figures are being gathered in the background; reload in a few seconds.
admin-bytes = { $bytes } bytes
admin-none = No sandbox matches these filters.
admin-col-sandbox = Sandbox
admin-col-learner = Learner
admin-col-cohort = Cohort
admin-col-scenario = Scenario
admin-col-state = State
admin-col-age = Age
admin-col-expires = Expires
admin-col-cpu = CPU
admin-col-memory = Memory
admin-col-recording = Recordings
admin-col-actions = Actions
admin-teardown = Tear down
admin-teardown-cohort = Tear down this cohort
admin-teardown-all = Tear down everything
admin-cohorts-live = Cohorts with live sandboxes
admin-recent-teardowns = Recent teardowns
admin-confirm-title = Confirm the teardown
admin-confirm-sandbox = Sandbox { $id } ({ $scenario }, learner { $learner }) will be removed now; its link stops working. Its records stay.
admin-confirm-cohort = Every sandbox of cohort “{ $name }” will be removed now and the cohort ended. Type the cohort's name to confirm.
admin-confirm-all = Every cohort will be ended and every sandbox removed now. Type “everything” to confirm.
admin-confirm-label = Confirmation
admin-confirm-mismatch = What you typed does not match; nothing was removed.
admin-cancel = Cancel
admin-report-title = Teardown report
admin-report-removed = Sandboxes removed: { $count }
admin-report-hours = Resources used: { $memory } GiB·hours of memory and { $cpu } CPU·hours, over { $sandboxes ->
    [one] 1 sandbox
   *[other] { $sandboxes } sandboxes
  }
admin-report-none-failed = Everything was removed.
admin-all-title = Everything torn down
admin-all-summary = { $count } sandboxes removed. One report per cohort:
admin-scope-cohort = Cohort “{ $name }”
admin-scope-sandbox = Sandbox { $id }
admin-scope-loose = Sandboxes of no cohort
xapi-title = xAPI delivery
xapi-nav = xAPI delivery
xapi-not-configured = No LRS is configured (xapi_endpoint): statements are not sent.
xapi-summary = Waiting for the LRS: { $queued } · delivered: { $sent } · refused and parked: { $parked }
xapi-oldest = the oldest waiting was queued { $when }
xapi-last-error = Last failure:
xapi-parked-heading = Statements the LRS refused
xapi-parked-intro = The LRS refused these statements (400, 409, 413 or 422), so they are set aside and the others are sent. Fix the cause (often the learner's email, or the LRS's settings), then retry.
xapi-export-csv = Download as CSV
xapi-export-json = Download as JSON
xapi-more = The { $shown } most recent of { $count } are shown; the downloads have them all.
xapi-col-cohort = Cohort
xapi-col-learner = Learner
xapi-col-verb = Verb
xapi-col-happened = Happened
xapi-col-refused = Refused
xapi-col-status = Status
xapi-col-answer = LRS answer
xapi-retry = Retry
xapi-retry-all = Retry every refused statement
xapi-none = The LRS has refused no statement.
admin-xapi-parked = { $count ->
    [one] one statement refused by the LRS
   *[other] { $count } statements refused by the LRS
}
error-name-taken = You already have a cohort named “{ $name }”; choose another name.
error-not-over = Cohort “{ $name }” is not over yet: tear it down first, then archive it.
error-name-taken-archived = You already have a cohort named “{ $name }” (archived); choose another name.

## Change programmes and their indicators
programmes-nav = Programmes
programmes-title = Change programmes
programmes-none = No programme yet. A change lead creates one through the API (POST /api/v1/programmes).
programmes-demo = To look around first, run `sandpit demo` on the server: it loads a made-up programme, marked as a demo.
programmes-back = All programmes
programme-name = Programme
programme-lead = Change lead
programme-phase = Phase
programme-as-of = as of
programme-print = To print this page or save it as PDF, use your browser's Print command: the page is laid out for paper.
programme-demo-banner = Demo data — remove it with
programme-demo-mark = demo
phases-heading = Phases
phase-planned = Planned
phase-actual = Actual
phase-prepare = Prepare
phase-engage = Engage
phase-realise = Realise
phase-anchor = Anchor
reach-heading = Reach by team
reach-explained = Per team: invited (on a cohort's roster), started (opened their sandbox) and completed (every scenario required of the team), as shares of the team's headcount, against the team's due date.
reach-chart-title = Reach by team, as a share of headcount
reach-chart-description = { $teams ->
    [one] One team
   *[other] { $teams } teams
}: { $completed } of { $headcount } people completed what is required of them. The table below gives every figure.
reach-chart-caption = Invited, started and completed, as a share of each team's headcount.
reach-no-teams = No team yet: import the impact study's teams first.
reach-table-caption = Reach by team (counts)
team-name = Team
team-kind = Kind
team-kind-business = Business team
team-kind-support = Support function
team-site = Department or site
team-maturity = Maturity (1–5)
team-headcount = Headcount
reach-invited = Invited
reach-started = Started
reach-completed = Completed
reach-share = Completed (share)
reach-due = Due
reach-status = Status
reach-total = All teams
reach-status-none = Nothing required
reach-status-on_track = On track
reach-status-late = Late
reach-status-done = Done
download-reach-json = Reach (JSON)

## Pulse questions on the learner's page
pulse-heading-before = Before you start: a few quick questions
pulse-heading-after = Now that you are done: a few quick questions
pulse-explained = From 1 (not at all) to 5 (completely). Your answers are anonymous: reports show averages of groups of at least 5 people, never your name.
pulse-low = not at all
pulse-high = completely
pulse-comment = A comment (optional)
pulse-send = Send my answers
pulse-score-needed = Give each question a score from 1 to 5, once.
pulse-not-asked = These questions are not asked of this link.
filter-all-teams = All teams
filter-all-phases = All phases
filter-apply = Show
filter-clear = Clear the filters
exercise-name = Exercise
proficiency-heading = Proficiency
proficiency-explained = Per exercise, among the learners who tried it: how many passed, the share who passed at their first check, and the median time (from opening their sandbox) and number of checks it took to pass.
proficiency-chart-title = First-try pass rate by exercise
proficiency-chart-description = { $exercises ->
    [one] One exercise
   *[other] { $exercises } exercises
}: the share of learners who passed at their first check. The table below gives every figure.
proficiency-chart-caption = Share of learners who passed at their first check.
proficiency-table-caption = Proficiency by exercise
proficiency-attempted = Tried
proficiency-passed = Passed
proficiency-first-try = First try
proficiency-median-time = Median time to pass (min:s)
proficiency-median-attempts = Median checks to pass
struggle-heading = Where people struggle
struggle-explained = Exercises ranked by failed checks, then by learners who gave up (no check on the exercise for { $hours } hours without passing it, or their cohort ended), with the most common failing check outputs.
struggle-rank = Rank
struggle-failed = Failed checks
struggle-abandoned = Gave up
struggle-outputs = Most common failing outputs
struggle-none = No check yet.
confidence-heading = Confidence (pulse answers)
confidence-explained = Answers from 1 (not at all) to 5 (completely). A group with fewer than { $min } answers shows its count only, so that no one's answer can be told.
confidence-group = Group
confidence-answers = Answers
confidence-average = Average
confidence-hidden = fewer than 5: not shown
confidence-comments = Comments
confidence-none = No pulse question yet: the change lead adds them through the API (POST /api/v1/programmes/…/pulses).
pulse-moment-before = before the first exercise
pulse-moment-after = after the last exercise
downloads-heading = Download the figures
download-reach-csv = Reach (CSV)
download-proficiency-csv = Proficiency (CSV)
download-proficiency-json = Proficiency (JSON)
download-struggle-csv = Where people struggle (CSV)
download-struggle-json = Where people struggle (JSON)
download-confidence-json = Confidence (JSON)
usage-heading = Used: the tool in real work
usage-explained = Active users of the real tool per team and week, as the production tool reports them (posted to the API), beside the people of the team trained by the end of that week.
usage-week = Week of
usage-active = Active users
usage-active-share = Active (share of headcount)
usage-trained = Trained by then
usage-none = No figure of real use yet: post them to POST /api/v1/programmes/…/usage.
download-usage-json = Use of the tool (JSON)
download-ratings-csv = Useful and usable (CSV)
download-ratings-json = Useful and usable (JSON)
ratings-heading = Useful and usable: the learners' ratings
ratings-explained = Each learner who checked an exercise may rate how useful it was and how easy to use, from 1 to 5 (once; they may change it). Means are shown from { $min } ratings on.
ratings-chart-title = Mean ratings per exercise
ratings-chart-description = Two bars for each of { $exercises } exercises: the mean usefulness and the mean ease of use, from 1 to 5.
ratings-chart-caption = Exercises rated by at least the minimum number of learners.
ratings-table-caption = Ratings per exercise
ratings-count = Ratings
ratings-useful = Useful
ratings-usable = Easy to use
download-tips-csv = Tips and questions (CSV)
community-heading = What learners leave for each other
community-explained = { $count ->
    [0] No tip or question yet.
    [one] 1 tip or question so far; the newest:
   *[other] { $count } tips and questions so far; the newest:
}
community-answers = { $count ->
    [0] no answer
    [one] 1 answer
   *[other] { $count } answers
}
trend-heading = Trend: cohort after cohort
trend-explained = The same figures for each cohort of the programme, by start: whether a change to a scenario, a hint or a session helped the cohorts after it. Counts are of roster lines; the first-try rate and medians are over each learner's exercises.
trend-chart-title = Completion and first-try pass rate by cohort
trend-chart-description = { $cohorts ->
    [one] One cohort: the share of its learners who completed every exercise, and the share of exercises passed at the first check.
   *[other] { $cohorts } cohorts by start: the share of their learners who completed every exercise, and the share of exercises passed at the first check.
}
trend-chart-caption = Share of learners who completed their scenario, and share of exercises passed at the first check.
trend-table-caption = Figures by cohort
trend-cohort = Cohort
trend-starts = Starts
trend-phase = Phase
trend-learners = Learners
trend-completed = Completed (share)
trend-first-try = First-try pass rate
trend-none = No cohort in the programme yet (or none with a learner of this team).
download-trend-csv = Trend (CSV)
download-trend-json = Trend (JSON)
import-usage-empty = the file lists no figure: give a first line naming the columns, then one team and week per line.
import-usage-no-header = the first line must name the columns, such as “team;week;active_users”.
import-week = “{ $value }” is not a date: write the week’s Monday or any day of it, such as 2030-01-14 or 14/01/2030.
import-active-users = “{ $value }” is not a number of active users: write a whole number, 0 or more.
import-duplicate-week = the team { $team } already has the week of { $week } on line { $first }.
download-usage-csv = Use of the tool (CSV)
download-confidence-csv = Confidence (CSV)
usage-chart-title = Use of the tool and training, week by week
usage-chart-description = { $weeks ->
    [one] One week: the share of the headcount using the tool, and the share trained by the end of it.
   *[other] { $weeks } weeks: the share of the headcount using the tool each week, and the share trained by the end of it.
}
usage-chart-caption = Active users and people trained by then, as shares of the headcount of the teams that reported the week.
confidence-chart-title = Mean answer by question
confidence-chart-description = { $questions ->
    [one] One question with enough answers: its mean answer from 1 to 5.
   *[other] { $questions } questions with enough answers: the mean answer of each, from 1 to 5.
}
confidence-chart-caption = Mean answer of all learners, from 1 (not at all) to 5 (completely); questions with too few answers are in the tables only.

# The community on an exercise: ratings, tips, questions.
tips-title = Tips from other learners
tips-none = No tip yet for this exercise.
tips-question = Question
tips-helped = This helped
tips-votes = { $count ->
    [0] helped nobody yet
    [one] helped 1 person
   *[other] helped { $count } people
}
tips-own = Your tips and questions
tips-status-pending = waiting for a trainer's review
tips-status-approved = shown to other learners
tips-status-rejected = not shown to other learners
tips-give = Your opinion of this exercise
tips-useful = How useful was it? (1: not at all, 5: very)
tips-usable = How easy was it to use? (1: not at all, 5: very)
tips-leave = Leave for the next learners (optional)
tips-kind-tip = a tip
tips-kind-question = a question
tips-body = Your text
tips-explained = A trainer reads tips and questions before other learners see them, without your name. Ratings are shown as averages of at least 5 people.
tips-send = Send
tips-after-check = Once you have checked this exercise, you can rate it and leave a tip or a question.
tips-scores = Give both scores, useful and easy to use, from 1 to 5.
tips-empty = Rate the exercise or write a tip or a question.
tips-too-long = A tip, question or answer is at most { $max } characters.
tips-too-many = You already left { $max } tips or questions on this exercise.
tips-not-tried = Check the exercise once before rating it or leaving a tip.
tips-kind = “{ $kind }” is neither a tip nor a question.
tips-not-approved = Only tips shown to learners can be voted for.
tips-not-a-question = Only questions are answered.
tips-status = “{ $status }” is neither approved nor rejected.
tips-no-roster = Only the learners of a cohort rate exercises and leave tips.
tips-nav = Tips
tips-review-title = Tips and questions to review
tips-review-explained = What your cohorts' learners left on exercises. Approved tips and answered questions are shown, without the learner's name, to every later learner of the exercise; answering a question approves it.
tips-review-none = Nothing to review: no tip or question is waiting.
tips-kind-tip-title = Tip
tips-approve = Approve
tips-reject = Reject
tips-answer = Your answer
tips-answer-send = Answer

# Calls for help and ambassadors.
help-title = Stuck?
help-message = What you are stuck on (optional)
help-ask = Ask for help
help-open = You asked for help on this exercise: an ambassador or a trainer will come. Passing the exercise closes your call.
help-close = I no longer need help
help-board-link = My ambassador's board
help-board-title = Who needs help
help-board-explained = Learners who asked for help come first, the oldest call first; then those who look stuck: several failed checks on their current step, or nothing done in their sandbox for a while. Only learners whose sandbox is open are listed.
help-back = Back to my exercises
help-care = In your care:
help-exercise = On:
help-failed = { $count ->
    [one] 1 failed check
   *[other] { $count } failed checks
}
help-last-output = Last failed check
help-idle = Nothing done for { $minutes } min
help-nobody = Nobody needs help right now.
help-why-asked = asked for help
help-why-failing = checks keep failing
help-why-idle = idle on a step
help-no-roster = Only the learners of a cohort ask for help here.
help-already-ambassador = They are an ambassador of it already.
help-message-too-long = A message with a call for help is at most { $max } characters.
help-nav = Help
ambassadors-heading = Ambassadors
ambassadors-explained = Ambassadors help their peers: their board lists who asked for help and who looks stuck. Pick one of the cohort's learners (they reach their board from their own page) or give an account's name.
ambassador-account = account
ambassador-remove = Remove
ambassador-learner = A learner of the cohort
ambassador-user = or an account's name
ambassador-add = Make ambassador
ambassador-added = The ambassador was added.
ambassador-removed = { $name } is no longer an ambassador of this cohort.
ambassador-pick-one = Pick one of the cohort's learners or give an account's name, not both.
ambassador-no-account = There is no account “{ $name }”.
team-ambassadors-heading = Ambassadors of the teams
team-ambassadors-explained = A team's ambassadors help its people: their board lists those of the team who asked for help or look stuck, in the programme's cohorts.
team-ambassadors-none = none yet
team-ambassadors-team = Team
team-ambassadors-learner = A learner of the programme's cohorts
ambassador-pick-team = Pick one of the programme's teams.
help-watch = Watch and help
help-which-learner = Say which learner to help (`learner`: their id).
help-not-in-care = This learner is not in your care, or their sandbox is not open: only their ambassadors and trainers may watch it.
help-session-ended = This help session has ended: start it again from the board.
watch-title = Helping { $name }
watch-explained = You see { $name }'s terminal as they do, live. You can type only while they let you; they can stop you at any moment. Leaving this page ends the help session.
watch-exercise = On:
watch-back = Back to the board
terminal-read-only = watching — read only: the learner can let you type
terminal-may-type = the learner lets you type
terminal-refused = not sent: the learner has not let you type
watchers-watching = { $name } is watching your terminal.
watchers-typing = { $name } is watching your terminal and may type in it.
watchers-grant = Let { $name } type
watchers-revoke = Stop { $name } typing
watchers-allow = `allow` must be 1 (let them type) or 0 (stop them), not `{ $value }`.
download-help-csv = Help between peers (CSV)
download-help-json = Help between peers (JSON)
help-given-heading = Help between peers
help-given-explained = Live help sessions: an ambassador or a trainer watched a learner's terminal, and typed in it when the learner let them. A session unblocked its learner when they passed the exercise within 30 minutes of its start.
help-given-calls = { $calls ->
    [one] 1 call for help
   *[other] { $calls } calls for help
  }, { $answered } answered by a help session
help-given-sessions = { $sessions ->
    [one] 1 help session
   *[other] { $sessions } help sessions
  }; { $unblocked } unblocked their learner.
help-given-median = Median time to unblock: { $minutes } min.
help-chart-title = Help given, by helper
help-chart-description = Help sessions and those that unblocked their learner, for { $helpers ->
    [one] 1 helper
   *[other] { $helpers } helpers
  }.
help-chart-caption = Help sessions per helper, and those after which the learner passed within 30 minutes.
help-table-caption = Help given, by helper: most sessions first
help-helper = Helper
help-kind = Role
help-kind-ambassador = ambassador
help-kind-account = trainer or account
help-sessions = Sessions
help-learners = Learners helped
help-minutes = Minutes
help-unblocked = Unblocked
replays-heading = Terminal recordings
replays-none = No recording of this learner's terminal yet.
replay-of = Terminal opened { $started }
replay-size = { $kib } KiB
replay-was-cut = stopped at the recording budget
replay-title = Replay: { $name }
replay-back = Back
replay-explained = The terminal as it was, from { $started }: play it, pause it, speed it up, move along it, or jump to a check.
replay-cut = This recording stopped at its link's recording budget: what came after was not kept.
replay-play = Play
replay-pause = Pause
replay-speed = Speed
replay-position = Position in the recording
replay-loading = loading the recording…
replay-ready = replay
replay-failed = this recording cannot be replayed
replay-help = a replay: nothing typed here reaches a shell
replay-marks = Checks during this recording
replay-no-marks = No check was run during this recording.
replay-download = Download (asciicast v2, for asciinema)
help-too-many-connections = This help session is open in 3 places already: close one of them first.
refresher-due-heading = A refresher is waiting for you
refresher-due-explained = Some weeks after you passed an exercise, a short re-check shows whether it stayed with you: a fresh sandbox, that exercise only.
refresher-due-link = Refresher: { $exercise }
refresher-started = started
refresher-title = Refresher: { $exercise }
refresher-hello = Hello { $name }.
refresher-explained = You passed “{ $exercise }” some weeks ago. Check that you still can: Start gives you a fresh sandbox with that exercise only. The hint stays folded away unless you open it; your first Check is what counts.
refresher-start = Start the refresher
refresher-continue = Go back to my refresher
refreshers-heading = Refreshers and retention
refreshers-explained = Anchor the change: some weeks after each learner passed an exercise, they are invited to re-check it in a fresh sandbox. Their invitation shows on their page (their link), and the lead can export every link to send it.
refreshers-none = No refresher scheduled.
refresher-after = { $exercise }, { $weeks } weeks after the pass
refresher-links = invitation links (CSV)
refresher-exercise = Exercise
refresher-weeks-label = Weeks after the pass
refresher-add = Schedule the refresher
refresher-weeks = Give a number of weeks from 1 to { $max }.
refresher-pick-exercise = Pick one of the programme's exercises.
refresher-exists = That exercise has a refresher already.
retention-heading = Retention
retention-explained = Of the learners a refresher is due to: how many took it, and how many passed it at the first check. Retention is the share of those who took it who passed at the first check.
retention-caption = Retention per team
retention-team = Team
retention-due = Due
retention-taken = Taken
retention-passed = Passed at the first check
retention-percent = Retention
retention-no-team = No team
retention-total = All teams
download-retention-csv = Retention (CSV)
download-retention-json = Retention (JSON)
watch-tools-heading = Their tool, read only
watch-tools-explained = The learner's own tool, as a visitor sees it: you can look around, not change anything (forms and live connections are refused), and you are not signed in as them.
watch-tool-open = open in a new tab
help-no-terminal = The learner's terminal is not open: it shows here as soon as they open it.
replay-truncated = This recording draws more than a replay shows at once: it stops before the recording's end; the recording itself is kept whole.
starting-title = Sandpit is starting
starting-connecting = Connecting to the sandbox engine and opening the store…
starting-images = Building the sandbox images: { $done } of { $total } ready. The first start on a new machine takes several minutes.
starting-host-guard = Checking that sandboxes cannot reach this server…
starting-reconciling = Checking the sandboxes left running by the last stop…
starting-wait = This page reloads on its own; nothing is lost meanwhile.
