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
checking = Checking…
check-locked = Finish the earlier steps first.
feedback-passed = Passed!
feedback-failed = Not yet.
feedback-error = The check could not run. Try again in a moment.
feedback-network = Sandpit could not be reached. Check your connection and try again.
next-step = Next step →
workspace-label = Workspace
terminal = Terminal
terminal-label = Terminal: type commands here
open-in-new-tab = Open { $title } in a new tab
terminal-connecting = connecting…
terminal-connected = connected
terminal-reconnecting = reconnecting…
terminal-ended = session ended — press Enter to start a new shell
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
index-trainers = Trainers and admins: sign in
busy-title = Your sandbox is not ready yet
busy-body = Every sandbox on this server is in use right now. Your progress is safe. Try again in a minute, or tell your trainer.
busy-retry = Try again
