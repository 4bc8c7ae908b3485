//! The words of the demo: its teams, people, pulse questions and comments,
//! and, for the exercises of the bundled scenarios, how hard each is and
//! what its check prints (taken from the checks themselves).

use super::super::TeamKind;

/// The programme's name and summary.
pub(super) const NAME: &str = "Adopting the new wiki (demo)";
pub(super) const SUMMARY: &str = "Made-up records loaded by `sandpit demo` to show the \
    indicators: teams, people, cohorts and weeks of history. Remove them with \
    `sandpit demo --remove`.";

/// The first three teams: a business team, a site, a support function.
pub(super) const FIRST_TEAMS: [(&str, TeamKind, &str); 3] = [
    ("Accounts payable", TeamKind::Business, "Paris head office"),
    ("Lyon warehouse", TeamKind::Business, "Lyon"),
    ("IT support", TeamKind::Support, "Paris head office"),
];

/// More teams, for larger sizes.
pub(super) const MORE_TEAMS: [(&str, TeamKind, &str); 17] = [
    ("Customer service", TeamKind::Business, "Lille"),
    ("Marseille branch", TeamKind::Business, "Marseille"),
    ("Human resources", TeamKind::Support, "Paris head office"),
    ("Procurement", TeamKind::Support, "Paris head office"),
    ("Sales", TeamKind::Business, "Paris head office"),
    ("Legal", TeamKind::Support, "Paris head office"),
    ("Bordeaux branch", TeamKind::Business, "Bordeaux"),
    ("Finance", TeamKind::Support, "Paris head office"),
    ("Logistics", TeamKind::Business, "Lyon"),
    ("Nantes branch", TeamKind::Business, "Nantes"),
    ("Quality", TeamKind::Support, "Lyon"),
    ("Marketing", TeamKind::Business, "Paris head office"),
    ("Toulouse branch", TeamKind::Business, "Toulouse"),
    ("Facilities", TeamKind::Support, "Paris head office"),
    ("Training", TeamKind::Support, "Paris head office"),
    ("Strasbourg branch", TeamKind::Business, "Strasbourg"),
    ("Call centre", TeamKind::Business, "Lille"),
];

pub(super) const FIRST_NAMES: [&str; 40] = [
    "Léa", "Hugo", "Chloé", "Lucas", "Inès", "Nathan", "Camille", "Yanis", "Manon", "Louis",
    "Sarah", "Gabriel", "Emma", "Adam", "Jade", "Arthur", "Lina", "Noah", "Zoé", "Mohamed",
    "Alice", "Théo", "Clara", "Samuel", "Anaïs", "Mathis", "Eva", "Karim", "Julie", "Antoine",
    "Fatou", "Paul", "Mei", "Rayan", "Nora", "Victor", "Aya", "Simon", "Lou", "Omar",
];

pub(super) const LAST_NAMES: [&str; 40] = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
];

/// A name as the local part of an e-mail address: lower case, no accents.
pub(super) fn ascii(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'à' | 'â' => 'a',
            'ï' | 'î' => 'i',
            'ô' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The pulse questions of the realisation: (moment, English, French).
pub(super) const PULSES: [(&str, &str, &str); 2] = [
    (
        "before",
        "I understand why we are moving to the new wiki.",
        "Je comprends pourquoi nous passons au nouveau wiki.",
    ),
    (
        "after",
        "I feel able to use the new wiki in my daily work.",
        "Je me sens capable d'utiliser le nouveau wiki dans mon travail.",
    ),
];

/// Comments some learners leave with their answer.
pub(super) const COMMENTS: [&str; 6] = [
    "The exercises were close to my real work.",
    "I would like more time to practise.",
    "Where do I find help once the training is over?",
    "Les exercices ressemblaient à mon travail de tous les jours.",
    "The page history part was hard at first.",
    "J'ai besoin d'un peu plus de pratique.",
];

/// How hard an exercise is (0 to 1), what its failed checks print and
/// what its passing check prints.
pub(super) struct Profile {
    pub difficulty: f64,
    pub failing: &'static [&'static str],
    pub passing: &'static str,
}

const GENERIC: Profile = Profile {
    difficulty: 0.35,
    failing: &["Not done yet: read the instructions again, then check."],
    passing: "Done.",
};

/// The profile of `exercise` of `scenario`; a plain one for exercises of
/// scenarios other than the bundled ones.
pub(super) fn profile(scenario: &str, exercise: &str) -> Profile {
    let (difficulty, failing, passing): (f64, &'static [&'static str], &'static str) = match (
        scenario, exercise,
    ) {
        ("wiki-basics", "user-page") => (
            0.2,
            &[
                "Your user page, User:Learner, does not exist yet.\nLog in as Learner (\"Log in\", at the top right of the wiki), then click your user name\n\"Learner\" at the top right: it is red because the page does not exist yet.\nWrite a few lines about yourself and click \"Save page\".",
                "Your user page is there, but it is very short (14 letters).\nClick \"Edit\" and write two or three sentences: who you are, what you do,\nwhat you would like to learn. Then save again.",
            ],
            "Your user page exists. Colleagues who see your name in a page's history can now click it\nand find out who you are.",
        ),
        ("wiki-basics", "fix-a-mistake") => (
            0.3,
            &[
                "The page \"Expense policy\" still says that claims must be submitted within 30 days.\nThe finance board changed that to 60 days. Open the page, click \"Edit\", change 30 to 60\nand click \"Save changes\".",
                "\"Expense policy\" no longer says 30 days, but it does not say 60 days either.\nThe last step of \"How to claim\" should read: Submit your claim within 60 days of the expense.",
            ],
            "\"Expense policy\" now says 60 days. Everyone who opens the page gets the right deadline,\nand the page's history records who changed it, when, and why.",
        ),
        ("wiki-basics", "add-category") => (
            0.45,
            &[
                "\"Expense policy\" is not in any category yet.\nEdit the page and add this line at the very end: [[Category:Policies]]",
                "\"Expense policy\" links to the category ([[:Category:Policies]], with a colon in front),\nbut is not in it. Remove the first colon: [[Category:Policies]].",
                "\"Expense policy\" is in Category:Policy, not in Category:Policies.\nThe policies' category is called Policies (plural). Check the spelling at the bottom of the page:\n[[Category:Policies]]",
            ],
            "\"Expense policy\" is now in Category:Policies. The category's page lists it with the others.",
        ),
        ("wiki-basics", "link-a-new-page") => (
            0.55,
            &[
                "There is no page \"Travel booking\" yet, and \"Onboarding\" does not link to one.\nStart on \"Onboarding\": edit the section \"Your first week\" and turn the words Travel booking\ninto a link, [[Travel booking]]. Save, then click the new red link to create the page.",
                "\"Onboarding\" now links to \"Travel booking\": well done. The link is red because that page\ndoes not exist yet. Click it: the wiki opens an empty page for you to write. Write the\ntravel rules from the instructions and click \"Save page\".",
                "\"Travel booking\" exists, but \"Onboarding\" does not link to it yet. Edit \"Onboarding\" and turn the words\nTravel booking into a link: [[Travel booking]].",
            ],
            "\"Travel booking\" exists and \"Onboarding\" links to it: new colleagues can now find the travel rules.",
        ),
        ("wiki-basics", "undo-vandalism") => (
            0.6,
            &[
                "\"IT helpdesk\" still has the vandal's changes:\n  - the first line (\"THE HELPDESK IS CLOSED FOREVER…\")\n  - the phone number replaced by \"nobody ever answers LOL\"\n  - the section \"Lost or stolen laptop\", deleted\nOpen the page's \"View history\": the edit by Kiosk-3 did all of this. Click \"undo\" on\nits line, check the comparison, and click \"Save changes\".",
                "The vandalism is gone, but so are the summer opening hours (\"In August: …\") that\nAmina Diallo added the day after. Going back to an old version throws away every later\nedit, good ones included.",
            ],
            "\"IT helpdesk\" is repaired: Kiosk-3's edit is undone and Amina's summer opening hours are\nstill there. Nothing is ever lost in a wiki: the history keeps every version.",
        ),
        ("wiki-basics", "reply-on-talk-page") => (
            0.35,
            &[
                "You wrote on \"Talk:Expense policy\", but your message is not signed.\nEdit it again and type four tildes, ~~~~, at the end of your message (or use the\nsignature button of the toolbar): when you save, the wiki turns them into your name and the date.",
                "Your message is signed, but without the date. Type four tildes, ~~~~, not three:\nthree give your name only, four your name and the date.",
            ],
            "Your reply is on \"Talk:Expense policy\", signed with your name and the date.",
        ),
        ("git-basics", "set-identity") => (
            0.15,
            &[
                "Your name is not set yet. Run: git config --global user.name \"Firstname Lastname\"",
                "Your e-mail address is still the example \"you@example.org\". Use your own address.",
            ],
            "Nice to meet you! Your commits will be signed with your name and address.",
        ),
        ("git-basics", "inspect-history") => (
            0.35,
            &[
                "Not quite: Tomás Ferreira created config.yml (with a limit of 500), but someone else raised it to 1000 later.\nLook for the commit whose diff shows the line  -approval_limit: 500  and  +approval_limit: 1000:  git log -p config.yml",
                "Not quite: Claire Dubois updated the policy document after the change, but she didn't change config.yml.\nLook at the commits that touched config.yml itself: git log -p config.yml",
            ],
            "Correct: Jonas Berg raised approval_limit from 500 to 1000 on 19 February 2024.\ngit log -p showed you who changed what, when, and why (the commit message).",
        ),
        ("git-basics", "first-commit") => (
            0.3,
            &[
                "README.md is staged (git add was done) but not committed yet.\nFinish with: git commit -m \"Add a contact person to the README\"",
                "README.md is changed in your folder, but the change is not staged or committed yet.\nRun 'git add README.md', then 'git commit -m \"...\"'.",
            ],
            "Your first commit is on main: git log shows it with your name, the date and your message.",
        ),
        ("git-basics", "ignore-files") => (
            0.4,
            &[
                "You created .gitignore, but git doesn't know it yet (git status lists it as untracked).\nRun 'git add .gitignore', then 'git commit -m \"Ignore the generated reports in out/\"'.",
                "out/ is ignored now, but these generated files were committed before:\n  out/summary.txt\nRemove them from git (they stay in your folder) with:\n  git rm -r --cached out",
            ],
            "out/ is ignored: git status no longer lists the generated reports.",
        ),
        ("git-basics", "work-on-a-branch") => (
            0.45,
            &[
                "Your commit of docs/faq.md was made on main, not on your own branch.\nMake the commit on your branch instead (git switch add-faq first); the hint shows how to\nmove the commit that is on main.",
                "You have no branch of your own yet (git branch lists only main and feature/mileage-rate).\nCreate one and switch to it with:  git switch -c add-faq",
            ],
            "Well done: branch \"add-faq\" has your commit adding docs/faq.md,\nand main is untouched by it. Check it with:  git log --oneline --graph --all",
        ),
        ("git-basics", "merge-conflict") => (
            0.65,
            &[
                "The merge is still in progress (on branch \"main\"). These files still have conflicts:\n  config.yml\nEdit each one (nano config.yml): keep the right line, delete the <<<<<<<, ======= and >>>>>>> lines.\nThen 'git add config.yml' and 'git commit --no-edit'.",
                "All conflicts are marked as resolved, but the merge is not finished yet.\nRun:  git commit --no-edit",
                "feature/mileage-rate is not merged into main yet. Run:  git merge feature/mileage-rate",
            ],
            "feature/mileage-rate is merged into main, conflict resolved.",
        ),
        ("git-basics", "restore-file") => (
            0.5,
            &[
                "docs/approval-policy.md is still missing on main.\nFind the commit that deleted it:  git log --oneline -- docs/approval-policy.md\nthen restore it from the commit just before:  git restore --source=<commit>~1 docs/approval-policy.md",
                "docs/approval-policy.md is back on main, but it is an older version: it doesn't have the text about\nthe limit of 1000 EUR. Restore the version from the commit just before the deletion.",
            ],
            "docs/approval-policy.md is back on main, exactly as it was before it was deleted.",
        ),
        ("git-basics", "tag-release") => (
            0.35,
            &[
                "v1.0 is a lightweight tag (a bare name, with no author, date or message).\nMake it an annotated tag:  git tag -d v1.0  then  git tag -a v1.0 -m \"First release\"",
                "There is no tag v1.0 yet. On main, run:  git tag -a v1.0 -m \"First release\"",
            ],
            "Released! v1.0 is an annotated tag on the latest commit of main.",
        ),
        _ => return GENERIC,
    };
    Profile {
        difficulty,
        failing,
        passing,
    }
}
