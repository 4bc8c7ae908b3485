skip-to-content = Aller au contenu
language-switch = Langue
not-found-title = Rien ici
not-found-body = Ce lien est inconnu ou a expiré. Demandez-en un nouveau à votre formateur ou formatrice.
index-title = Sandpit
index-body = Entraînez-vous sur une copie jetable des outils que vous apprenez. Votre formateur ou formatrice vous donne un lien personnel vers votre propre bac à sable.
index-scenarios = Scénarios
exercise-count = { $count ->
    [one] un exercice
   *[other] { $count } exercices
}
progress-label = Progression
progress-text = { $done } étape(s) sur { $total } terminée(s)
steps-label = Étapes
step-locked = terminez d'abord les étapes précédentes
step-done = terminée
step-heading = Étape { $number }
completed-title = Terminé !
completed-body = Vous avez réussi toutes les étapes de ce scénario. Bravo.
hint = Afficher un indice
check = Vérifier
code-run = Exécuter
code-run-title = Taper ceci dans le terminal et appuyer sur Entrée
code-run-offline = Le terminal n'est pas connecté : rien n'a été tapé
code-copy = Copier
code-copied = Copié
code-copy-failed = Sélectionné : Ctrl+C pour copier
checking = Vérification…
check-locked = Terminez d'abord les étapes précédentes.
feedback-passed = Réussi !
feedback-failed = Pas encore.
feedback-error = La vérification n'a pas pu s'exécuter ou n'a pas fini à temps. Votre formateur peut voir pourquoi ; réessayez dans un instant.
feedback-network = Impossible de joindre Sandpit. Vérifiez votre connexion et réessayez.
next-step = Étape suivante →
workspace-label = Espace de travail
terminal = Terminal
terminal-label = Terminal : tapez vos commandes ici
open-in-new-tab = Ouvrir { $title } dans un nouvel onglet
terminal-connecting = connexion…
terminal-connected = connecté
terminal-reconnecting = reconnexion…
terminal-ended = shell terminé — appuyez sur Entrée pour en ouvrir un nouveau
terminal-sandbox-ended = ce bac à sable est terminé : plus rien n’y tourne
terminal-sandbox-failed = ce bac à sable ne fonctionne plus : rechargez la page pour savoir que faire
terminal-fullscreen = Plein écran
terminal-fullscreen-title = Plein écran : Ctrl+W, Ctrl+N et Ctrl+T arrivent alors aussi au terminal (Chrome, Edge). Maintenez Échap pour en sortir.
terminal-leave = Un terminal est ouvert dans cette page. La quitter ?
terminal-keys = Touches dans le terminal
terminal-keys-shell = Ctrl+C, Ctrl+D, Ctrl+R, Ctrl+L, Ctrl+Z, Tab et les flèches fonctionnent comme dans tout terminal. Maj+PgPréc et Maj+PgSuiv font défiler ce qui a été affiché.
terminal-keys-copy = Copier : sélectionnez à la souris, puis Ctrl+C ou Ctrl+Maj+C (Ctrl+C sans sélection interrompt la commande). Coller : Ctrl+V ou Ctrl+Maj+V.
terminal-keys-browser = Les navigateurs gardent Ctrl+W, Ctrl+N, Ctrl+T, Ctrl+Tab et Ctrl+Maj+W pour eux : dans une fenêtre normale, ils ferment ou ouvrent des onglets et n’arrivent jamais au terminal. Si l’une d’elles allait fermer cette page, le navigateur vous le demande d’abord.
terminal-keys-fullscreen = Dans Chrome et Edge, le bouton Plein écran donne ces touches au terminal (maintenez Échap pour quitter le plein écran). Dans nano, F6 cherche aussi (comme Ctrl+W) et les flèches déplacent (comme Ctrl+N et Ctrl+P).
terminal-keys-leave = Échap puis Tab quitte le terminal. Sur Mac, les raccourcis Cmd restent au navigateur : utilisez Ctrl dans le terminal.
terminal-help = Maj+PgPréc : historique · Échap, Tab : quitter le terminal
terminal-scrolled = historique : {"{"}n{"}"} lignes plus haut — tapez ou Maj+PgSuiv pour revenir

## Connexion (formateurs et administrateurs)
login-title = Connexion
login-name = Nom d’utilisateur
login-password = Mot de passe
login-submit = Se connecter
login-learners = Les apprenants n’ont pas besoin de compte : ouvrez le lien donné par votre formateur.
login-wrong = Le nom ou le mot de passe est incorrect.
login-limited = Trop de mots de passe erronés. Attendez quelques minutes puis réessayez.
login-off = La connexion depuis un navigateur est désactivée sur ce serveur, car les outils web des bacs à sable partagent son adresse (proxy_path_fallback). Utilisez un jeton d’API.
form-expired = Ce formulaire a expiré ou vient d’un autre site. Rechargez la page et réessayez.
sign-out = Se déconnecter
account-password-nav = Mot de passe
account-password-title = Changer votre mot de passe
account-password-first = Vous vous êtes connecté avec un mot de passe à usage unique que quelqu’un d’autre a vu. Choisissez le vôtre pour continuer.
account-password-current = Mot de passe actuel
account-password-new = Nouveau mot de passe
account-password-new-hint = Au moins { $min } caractères.
account-password-confirm = Nouveau mot de passe, à nouveau
account-password-submit = Changer le mot de passe
account-password-mismatch = Les deux nouveaux mots de passe diffèrent.
account-password-wrong = Votre mot de passe actuel n’est pas le bon.
account-password-too-short = Un mot de passe compte au moins { $min } caractères.
account-password-too-long = Un mot de passe compte au plus { $max } octets.
account-password-unchanged = Le nouveau mot de passe doit différer de l’actuel.
index-trainers = Formateurs et administrateurs : connexion
busy-title = Votre bac à sable n’est pas encore prêt
busy-body = Tous les bacs à sable de ce serveur sont utilisés en ce moment. Votre progression est conservée. Vous pouvez laisser cette page ouverte : elle réessaie d’elle-même. Si cela dure, prévenez votre formateur ou formatrice.
busy-retry = Réessayer maintenant
busy-wait = Réessayez dans { $seconds } secondes.
busy-countdown = Nouvel essai dans { $seconds } s…
busy-trying = Nouvel essai…

## Pages des formateurs
trainer-title = Vos cohortes
trainer-cohorts = Cohortes
trainer-no-cohorts = Aucune cohorte pour l’instant. Créez-en une pour donner à chaque apprenant un lien vers son propre bac à sable.
trainer-not-found = Cette cohorte ou cet apprenant n’existe pas, ou ne vous appartient pas.
trainer-problem-title = Cela n’a pas fonctionné
trainer-archived-title = Cohortes archivées
trainer-show-archived = { $count ->
    [one] Une cohorte archivée
   *[other] { $count } cohortes archivées
}
trainer-show-current = Revenir à vos cohortes en cours
trainer-no-archived = Aucune cohorte archivée.
list-progress-heading = Progression
list-stuck-heading = Bloqués
list-progress = { $passed } sur { $total } étapes ({ $percent } %)
list-progress-detail = { $finished } apprenants sur { $learners } ont tout terminé
back-to-cohorts = Retour aux cohortes
back-to-cohort = Retour à la cohorte
new-cohort = Nouvelle cohorte
new-cohort-title = Nouvelle cohorte
create-cohort = Créer la cohorte
cohort-name = Nom
cohort-scenario = Scénario
cohort-owner = Formateur
cohort-starts = Début
cohort-ends = Fin
cohort-learners = Apprenants
cohort-status = État
cohort-when = Quand
cohort-when-hint = Les heures sont lues dans le fuseau horaire indiqué à côté, par son nom IANA (Europe/Paris, America/Montreal, UTC…) ; avec JavaScript, le fuseau de votre navigateur est choisi pour vous. Les pages et les exports de la cohorte donnent ses heures dans ce fuseau, heure d’été comprise.
cohort-timezone = Fuseau horaire
cohort-time-zone = Fuseau horaire
cohort-capacity = Capacité
cohort-spare = Bacs à sable de réserve
cohort-spare-hint = Bacs à sable prêts en plus d’un par apprenant, pour les retardataires (0 à 50).
cohort-cap = Nombre maximal de bacs à sable à la fois (facultatif)
cohort-cap-short = Limite de bacs à sable
cohort-cap-hint = Laissez vide pour un par apprenant plus la réserve.
cohort-cap-default = un par apprenant plus la réserve
cohort-status-scheduled = Pas lancée
cohort-status-launched = Lancée
cohort-status-ended = Terminée
cohort-status-torn-down = Démontée
roster-one-way = Donnez les apprenants d’une seule façon : collez-les, envoyez un fichier CSV ou indiquez un nombre de places anonymes.
roster-paste = Collez la liste
roster-paste-hint = Un apprenant par ligne : un nom, un e-mail, Nom <e-mail>, ou du CSV nom,email,équipe (une première ligne nommant les colonnes peut les réordonner).
roster-file = Ou envoyez un fichier CSV
roster-seats = Ou un nombre de places anonymes
roster-from-file = Les apprenants de { $file } sont dans la zone ci-dessous ; corrigez-les là si besoin.
form-errors-heading = Veuillez corriger ce qui suit
field-name-invalid = Nom : donnez à la cohorte un nom de 1 à 100 caractères.
field-name-taken = Nom : vous avez déjà une cohorte nommée « { $name } » ; choisissez un autre nom.
field-name-taken-archived = Nom : vous avez déjà une cohorte nommée « { $name } » (archivée) ; choisissez un autre nom, ou restaurez-la.
field-scenario-invalid = Scénario : choisissez l’un des scénarios de la liste.
field-time-zone-invalid = Fuseau horaire : « { $zone } » n’est pas un nom de fuseau horaire ; choisissez-en un dans la liste, comme Europe/Paris.
field-starts-invalid = Début : indiquez une date et une heure.
field-starts-skipped = Début : { $time } n’existe pas dans le fuseau { $zone } (on avance les horloges à ce moment) ; choisissez une autre heure.
field-ends-invalid = Fin : indiquez une date et une heure.
field-ends-skipped = Fin : { $time } n’existe pas dans le fuseau { $zone } (on avance les horloges à ce moment) ; choisissez une autre heure.
field-ends-before-start = Fin : la cohorte doit finir après son début.
field-ends-past = Fin : cette heure est passée.
field-ends-too-late = Fin : une cohorte dure au plus 366 jours.
field-spare-invalid = Bacs à sable de réserve : indiquez un nombre entier de 0 à 50.
field-cap-invalid = Nombre maximal de bacs à sable : laissez vide, ou indiquez un nombre entier d’au moins 1.
field-roster-one-way = Apprenants : donnez-les d’une seule façon (collés, fichier ou places), pas plusieurs.
field-roster-missing = Apprenants : collez une liste, envoyez un fichier CSV ou indiquez un nombre de places.
field-roster-invalid = Liste : { $detail }
field-file-too-big = Fichier CSV : ce fichier est trop gros (512 Kio au plus).
field-file-not-text = Fichier CSV : { $detail }
field-seats-invalid = Places : indiquez un nombre entier de 1 à 1000.
roster-line = ligne { $line } : { $detail }
roster-unreadable = la liste ne peut pas être lue : { $detail }
roster-header = une ligne d’en-tête doit avoir une colonne « name » ou « email ».
roster-duplicate = { $email } figure déjà ligne { $first }.
roster-nothing = ni nom ni e-mail.
roster-name-invalid = le nom dépasse { $max } caractères ou contient des caractères de contrôle.
roster-team-invalid = l’équipe dépasse { $max } caractères ou contient des caractères de contrôle.
roster-too-many = une cohorte compte au plus { $max } apprenants.
roster-empty = la liste est vide : indiquez un apprenant par ligne.
roster-seats-count = une cohorte a de 1 à { $max } places, pas { $count }.
table-malformed = le fichier commence par la marque d’un texte { $encoding }, mais la ligne { $line } n’est pas en { $encoding } ; enregistrez-le à nouveau en CSV (UTF-8).
table-mixed = la ligne { $line } n’est pas du texte UTF-8, alors que le reste du fichier l’est ; enregistrez-le à nouveau en CSV (UTF-8).
import-line = ligne { $line } : { $detail }
import-not-encoded = cette ligne n’est pas du texte { $encoding }, alors que le fichier commence par la marque de { $encoding } ; enregistrez-le à nouveau en CSV (UTF-8).
import-mixed = cette ligne n’est pas du texte UTF-8, alors que le reste du fichier l’est ; enregistrez-le à nouveau en CSV (UTF-8).
import-unreadable = le fichier ne peut pas être lu : { $detail }
import-too-long = le fichier a { $lines } lignes ; un import en prend au plus { $max }.
import-teams-empty = le fichier ne liste aucune équipe : donnez une première ligne qui nomme les colonnes, puis une équipe par ligne.
import-people-empty = le fichier ne liste personne : donnez une première ligne qui nomme les colonnes, puis une personne par ligne.
import-teams-no-header = la première ligne doit nommer les colonnes, par exemple « équipe;type;site;effectif;maturité ».
import-people-no-header = la première ligne doit nommer les colonnes, par exemple « nom;courriel;équipe ».
import-no-column = la première ligne ne nomme pas de colonne « { $words } ».
import-blank = le champ « { $column } » est vide.
import-field-invalid = le champ « { $column } » dépasse { $max } caractères ou contient des caractères de contrôle.
import-kind = « { $value } » n’est pas un type d’équipe : écrivez métier (ou business) ou fonction support (ou support).
import-headcount = « { $value } » n’est pas un effectif : écrivez un nombre entier de personnes, 0 ou plus, par exemple 1200 ou 1 200.
import-maturity = « { $value } » n’est pas un niveau de maturité : écrivez un nombre entier de 1 (pas prête) à { $max } (prête).
import-duplicate-team = l’équipe { $team } est déjà à la ligne { $first }.
import-duplicate-email = { $email } est déjà à la ligne { $first }.
import-nothing = ni nom ni e-mail.
import-unknown-team = l’équipe { $team } n’est pas une équipe du programme ({ $known }).
import-no-teams = le programme n’a pas encore d’équipes : importez d’abord ses équipes, puis leurs membres.
email-no-at = « { $email } » n’est pas une adresse e-mail : il lui faut exactement un @.
email-too-long = « { $email } » dépasse 254 caractères.
email-bad-local = « { $email } » : avant le @, seuls les lettres, chiffres, points intérieurs (jamais deux de suite) et ! # $ % & ' * + - / = ? ^ _ ` {"{"} | {"}"} ~ sont admis, 64 au plus.
email-no-dot = « { $email } » : le domaine « { $domain } » n’a pas de point ; indiquez un vrai domaine, comme example.org.
email-bad-label = « { $email } » : « { $label } » n’est pas une partie de domaine valable (lettres ASCII, chiffres et tirets intérieurs, de 1 à 63).
email-bad-tld = « { $email } » : « .{ $tld } » n’est pas un domaine de premier niveau.
email-reserved = « { $email } » : « .{ $tld } » est réservé aux réseaux locaux ou de test, ce n’est pas un vrai domaine ; un LRS le refuse.
pool-heading = Bacs à sable
pool-not-launched = Pas encore lancée : lancez-la pour préparer un bac à sable par apprenant avant leur arrivée.
pool-preparing = Bacs à sable prêts : { $ready } sur { $target }…
pool-all-ready = { $count ->
    [one] Le bac à sable est prêt.
   *[other] Les { $count } bacs à sable sont prêts.
}
pool-all-claimed = Chaque apprenant a son bac à sable.
pool-torn-down = Cette cohorte est démontée : ses bacs à sable sont supprimés.
pool-failing = La préparation s’est arrêtée après des échecs répétés : { $reason }
count-ready = Prêts
count-provisioning = En préparation
count-claimed = Utilisés
count-failed = En échec
launch = Lancer
launch-retry = Réessayer
launch-retry-hint = La préparation s’est arrêtée après des échecs répétés (voir ci-dessus) ; ceci réessaie.
launch-hint = Prépare maintenant un bac à sable par apprenant (plus la réserve) ; ouvrir un lien en prend alors un aussitôt.
launch-started = { $started ->
    [one] Un bac à sable est en préparation.
   *[other] { $started } bacs à sable sont en préparation.
}
launch-nothing-to-do = La réserve est déjà pleine : rien de plus à préparer.
launch-partial = Lancés : { $started }, refusés : { $refused } ({ $reason })
launch-refused = Rien n’a pu démarrer : { $reason }. Réessayez plus tard.
launch-over = La cohorte « { $name } » est terminée : créez-en une nouvelle pour relancer.
live-on = En direct
live-reconnecting = Reconnexion…
links-heading = Liens des apprenants
links-hint = Chaque lien est la clé d’un apprenant vers son bac à sable : n’envoyez chacun qu’à son apprenant.
links-copy-all = Copier tous les liens
links-download-csv = Télécharger le CSV
links-as-text = Tous les liens en texte
links-copied = Copié.
links-copy-failed = Copie impossible : les liens sont sélectionnés ci-dessous ; appuyez sur Ctrl+C (⌘C).
learner-name = Apprenant
learner-email = E-mail
learner-team = Équipe
learner-link = Lien
learner-link-for = Lien de { $name }
learner-claimed-at = Lien ouvert pour la première fois
grid-heading = Progression
grid-hint = · pas commencé, ✗ tenté (nombre de vérifications), ✓ réussi (heure, UTC). Choisissez un apprenant pour voir ses vérifications.
grid-sandbox = Bac à sable
grid-current = Étape en cours
grid-last-activity = Dernière activité
grid-stuck = Bloqué ?
grid-finished = terminé
grid-not-started = pas commencé
grid-attempted = { $count ->
    [one] tenté, une vérification
   *[other] tenté, { $count } vérifications
}
grid-passed = réussi à { $time } ({ $count ->
    [one] une vérification
   *[other] { $count } vérifications
})
stuck-failures = { $count } vérifications échouées sur cette étape
stuck-idle = aucune vérification depuis { $minutes } min
sandbox-none = lien pas encore ouvert
sandbox-provisioning = en démarrage
sandbox-ready = prêt
sandbox-claimed = utilisé
sandbox-failed = en échec
sandbox-expired = expiré
sandbox-destroyed = supprimé
exports-heading = Exports
export-separated = cellules séparées par « { $sep } »
export-other-separator = avec « { $sep } » à la place
export-attempts-csv = Toutes les vérifications (CSV)
export-attempts-json = Toutes les vérifications (JSON)
export-completions-csv = Étapes réussies (CSV)
export-completions-json = Étapes réussies (JSON)
export-xapi = Déclarations xAPI (JSON)
teardown-heading = Démonter
teardown-explain = Supprime maintenant tous les bacs à sable de cette cohorte ; les liens cessent de fonctionner. Ce que les apprenants ont fait (vérifications, étapes réussies) est conservé et reste exportable.
teardown-confirm = Oui, supprimer tous les bacs à sable de cette cohorte
teardown-button = Démonter la cohorte
teardown-unconfirmed = Cochez la case pour confirmer le démontage ; rien n’a été supprimé.
teardown-title = Cohorte démontée
teardown-removed = { $count ->
    [one] Un bac à sable a été supprimé.
   *[other] { $count } bacs à sable ont été supprimés.
}
teardown-failed = N’ont pas pu être supprimés
teardown-sandbox = Bac à sable
teardown-error = Pourquoi
teardown-records-kept = Les vérifications et les étapes réussies sont conservées.
archive-heading = Archiver
archive-explain = Cette cohorte est terminée. L’archiver la retire de votre liste de cohortes ; tout ce qu’elle a enregistré est conservé, et elle peut être restaurée.
archive-button = Archiver la cohorte
archive-done = La cohorte « { $name } » est archivée : elle n’est plus dans votre liste de cohortes.
archive-not-over = La cohorte « { $name } » n’est pas encore terminée : démontez-la d’abord, puis archivez-la.
archived-banner = Cette cohorte est archivée ({ $when }) : elle est hors de votre liste de cohortes.
restore-button = Restaurer
restore-done = La cohorte « { $name } » est de retour dans votre liste de cohortes.
attempts-heading = Vérifications
attempts-none = Aucune vérification pour l’instant.
attempt-completion = a réussi l’étape
attempt-duration = durée
attempt-output = Ce que l’apprenant a vu
attempt-detail = Détail pour les formateurs
outcome-passed = Réussi
outcome-failed = Pas encore
outcome-error = N’a pas pu s’exécuter
start-welcome = Bienvenue, { $name }.
start-what = { $exercises } exercices dans votre propre bac à sable : un terminal, l’outil lui-même et un bouton Vérifier pour chaque étape.
start-time = Votre bac à sable dure { $minutes } minutes à partir du moment où vous le démarrez.
start-idle = Il se ferme plus tôt si personne ne l’utilise pendant { $minutes } minutes.
start-button = Démarrer mon bac à sable
time-ends-at = Se termine à
time-idle = Se ferme après { $minutes } minutes d’inactivité :
time-idle-left = encore { $left }
expiry-warning = Ce bac à sable se termine dans quelques minutes. Demandez plus de temps si nécessaire.
idle-warning = Ce bac à sable va bientôt se fermer car personne ne l’a utilisé depuis un moment. Continuez à travailler, ou appuyez sur « Prolonger » pour le garder.
extend = Prolonger de { $minutes } min
extend-limit-max = Ce bac à sable ne peut plus être prolongé : il a déjà reçu tout le temps supplémentaire permis.
extend-limit-cohort = Ce bac à sable ne peut plus être prolongé : il dure déjà jusqu’à la fin de votre session.
ended-title = Ce bac à sable est terminé
ended-expired = Son temps est écoulé.
ended-idle = Il a été fermé car personne ne l’a utilisé depuis un moment.
ended-torn-down = Il a été fermé par votre formateur ou formatrice, ou par un administrateur.
ended-cohort-over = Votre session s’est terminée avant que vous ne démarriez ce bac à sable.
sandbox-ended-banner = Ce bac à sable est terminé.
sandbox-ended-see = Voir ce que vous avez réussi
sandbox-failed-banner = Ce bac à sable ne fonctionne plus.
sandbox-failed-see = Voir que faire
ended-records = Votre travail est conservé : { $done } étape(s) réussie(s) sur { $total }.
ended-next = Pour continuer, demandez un nouveau lien à votre formateur ou formatrice.

## Réinitialisations et bac à sable en panne
sandbox-failed-title = Votre bac à sable ne fonctionne plus
sandbox-failed-body = Votre bac à sable ne tourne plus ({ $reason }). Votre progression est conservée : les étapes terminées le restent.
sandbox-reset-offer = Réinitialiser vous donne un nouveau bac à sable du même scénario. Vos modifications dans l’ancien sont perdues ; vos étapes terminées sont conservées.
sandbox-reset = Réinitialiser mon bac à sable
sandbox-reset-confirm = Oui, donnez-moi un nouveau bac à sable
sandbox-reset-explain = Vous obtenez une copie neuve du scénario, telle qu’au départ. Les fichiers modifiés sont perdus ; les étapes terminées le restent.
exercise-reset = Recommencer cette étape
exercise-reset-confirm = Oui, remettre cette étape comme au départ
exercise-reset-explain = Remet le bac à sable dans l’état d’avant cette étape. Une étape déjà terminée le reste.
engine-down-title = Le moteur des bacs à sable est injoignable
engine-down-body = Le moteur des bacs à sable est injoignable pour le moment ; votre travail est conservé. Réessayez dans une minute ou prévenez votre formateur.
## Ce que disent les erreurs du service sur une page
error-internal = Un problème est survenu de notre côté. Réessayez dans un instant.
error-engine-down = Le moteur des bacs à sable est injoignable pour le moment ; votre travail est conservé. Réessayez dans une minute.
error-no-room = Plus de place pour un autre bac à sable pour le moment : { $reason }.
error-rate-limited = Trop de mots de passe erronés ; réessayez dans { $seconds } s.
error-duplicate = Il existe déjà { $what }.
error-scenario-missing = Le scénario de cette cohorte, « { $scenario } », n’est pas installé sur ce serveur.
error-cohort-over = La cohorte « { $name } » est terminée ; créez-en une nouvelle.
error-not-usable = { $state ->
    [provisioning] Ce bac à sable est encore en démarrage. Réessayez dans un instant.
    [expired] Ce bac à sable est terminé : son temps est écoulé.
    [destroyed] Ce bac à sable a été supprimé.
    [failed] Ce bac à sable ne fonctionne plus. Rechargez la page pour en obtenir un neuf.
   *[other] Ce bac à sable ne peut pas être utilisé pour le moment.
  }
refusal-server-full = la limite de { $max } bacs à sable en service est atteinte
refusal-cohort-full = la limite de { $max } bacs à sable de cette cohorte est atteinte
refusal-torn-down = cette cohorte est démontée
failure-removed = son conteneur a été supprimé
failure-stopped = il s’est arrêté
failure-out-of-memory = il a manqué de mémoire
failure-interrupted = il était encore en préparation quand le serveur s’est arrêté
failure-not-prepared = il n’a pas pu être préparé
admin-state-live = en service
admin-state-all = tous

## Admin
admin-nav = Administration
admin-title = Tous les bacs à sable
admin-only-title = Réservé aux administrateurs
admin-only = Cette page est réservée aux administrateurs. Demandez à l’un d’eux si vous en avez besoin.
admin-filters = Filtres
admin-filter-state = État
admin-filter-cohort = Cohorte
admin-filter-scenario = Scénario
admin-filter-apply = Afficher
admin-any = tous
admin-totals = { $count ->
    [one] 1 bac à sable affiché
   *[other] { $count } bacs à sable affichés
  } ; le moteur en a mesuré { $measured } : CPU { $cpu }, mémoire { $memory }
admin-recordings-total = Enregistrements des terminaux des bacs à sable affichés : { $size } ({ $bytes } octets)
admin-figures-age = Processeur et mémoire : chiffres relevés il y a { $age } (actualisés en arrière-plan toutes les { $every } s tant que cette page sert).
admin-figures-pending = Processeur et mémoire : les chiffres sont en cours de relevé en arrière-plan ; rechargez dans quelques secondes.
admin-bytes = { $bytes } octets
admin-none = Aucun bac à sable ne correspond à ces filtres.
admin-col-sandbox = Bac à sable
admin-col-learner = Apprenant
admin-col-cohort = Cohorte
admin-col-scenario = Scénario
admin-col-state = État
admin-col-age = Âge
admin-col-expires = Expire
admin-col-cpu = CPU
admin-col-memory = Mémoire
admin-col-recording = Enregistrements
admin-col-actions = Actions
admin-teardown = Démonter
admin-teardown-cohort = Démonter cette cohorte
admin-teardown-all = Tout démonter
admin-cohorts-live = Cohortes avec des bacs à sable actifs
admin-recent-teardowns = Démontages récents
admin-confirm-title = Confirmer le démontage
admin-confirm-sandbox = Le bac à sable { $id } ({ $scenario }, apprenant { $learner }) va être supprimé ; son lien cessera de fonctionner. Ses traces sont conservées.
admin-confirm-cohort = Tous les bacs à sable de la cohorte « { $name } » vont être supprimés et la cohorte terminée. Tapez le nom de la cohorte pour confirmer.
admin-confirm-all = Toutes les cohortes vont être terminées et tous les bacs à sable supprimés. Tapez « everything » pour confirmer.
admin-confirm-label = Confirmation
admin-confirm-mismatch = Ce que vous avez tapé ne correspond pas ; rien n’a été supprimé.
admin-cancel = Annuler
admin-report-title = Rapport de démontage
admin-report-removed = Bacs à sable supprimés : { $count }
admin-report-hours = Ressources utilisées : { $memory } Gio·heures de mémoire et { $cpu } CPU·heures, sur { $sandboxes ->
    [one] 1 bac à sable
   *[other] { $sandboxes } bacs à sable
  }
admin-report-none-failed = Tout a été supprimé.
admin-all-title = Tout est démonté
admin-all-summary = { $count } bacs à sable supprimés. Un rapport par cohorte :
admin-scope-cohort = Cohorte « { $name } »
admin-scope-sandbox = Bac à sable { $id }
admin-scope-loose = Bacs à sable sans cohorte
xapi-title = Envoi xAPI
xapi-nav = Envoi xAPI
xapi-not-configured = Aucun LRS n’est configuré (xapi_endpoint) : les déclarations ne sont pas envoyées.
xapi-summary = En attente du LRS : { $queued } · remises : { $sent } · refusées et mises de côté : { $parked }
xapi-oldest = la plus ancienne en attente date du { $when }
xapi-last-error = Dernier échec :
xapi-parked-heading = Déclarations refusées par le LRS
xapi-parked-intro = Le LRS a refusé ces déclarations (400, 409, 413 ou 422) : elles sont mises de côté et les autres partent. Corrigez la cause (souvent l’e-mail de l’apprenant, ou les réglages du LRS), puis réessayez.
xapi-export-csv = Télécharger en CSV
xapi-export-json = Télécharger en JSON
xapi-more = Les { $shown } plus récentes sur { $count } sont affichées ; les téléchargements les contiennent toutes.
xapi-col-cohort = Cohorte
xapi-col-learner = Apprenant
xapi-col-verb = Verbe
xapi-col-happened = Survenue
xapi-col-refused = Refusée
xapi-col-status = Statut
xapi-col-answer = Réponse du LRS
xapi-retry = Réessayer
xapi-retry-all = Réessayer toutes les déclarations refusées
xapi-none = Le LRS n’a refusé aucune déclaration.
admin-xapi-parked = { $count ->
    [one] une déclaration refusée par le LRS
   *[other] { $count } déclarations refusées par le LRS
}
error-name-taken = Vous avez déjà une cohorte nommée « { $name } » ; choisissez un autre nom.
error-not-over = La cohorte « { $name } » n’est pas terminée : démontez-la d’abord, puis archivez-la.
error-name-taken-archived = Vous avez déjà une cohorte nommée « { $name } » (archivée) ; choisissez un autre nom.

## Programmes de conduite du changement et leurs indicateurs
programmes-nav = Programmes
programmes-title = Programmes de changement
programmes-none = Aucun programme pour l'instant. Un ou une responsable du changement en crée un par l'API (POST /api/v1/programmes).
programmes-demo = Pour faire d'abord le tour, lancez `sandpit demo` sur le serveur : il charge un programme inventé, marqué comme démonstration.
programmes-back = Tous les programmes
programme-name = Programme
programme-lead = Responsable du changement
programme-phase = Phase
programme-as-of = au
programme-print = Pour imprimer cette page ou l'enregistrer en PDF, utilisez la commande Imprimer de votre navigateur : la page est mise en forme pour le papier.
programme-demo-banner = Données de démonstration — retirez-les avec
programme-demo-mark = démo
phases-heading = Phases
phase-planned = Prévue
phase-actual = Réelle
phase-prepare = Préparer
phase-engage = Mobiliser
phase-realise = Réaliser
phase-anchor = Ancrer
reach-heading = Couverture par équipe
reach-explained = Par équipe : invités (inscrits dans une session), démarrés (ont ouvert leur bac à sable) et terminés (tous les scénarios exigés de l'équipe), en part de l'effectif de l'équipe, au regard de son échéance.
reach-chart-title = Couverture par équipe, en part de l'effectif
reach-chart-description = { $teams ->
    [one] Une équipe
   *[other] { $teams } équipes
} : { $completed } personne(s) sur { $headcount } ont terminé ce qui leur est demandé. Le tableau ci-dessous donne tous les chiffres.
reach-chart-caption = Invités, démarrés et terminés, en part de l'effectif de chaque équipe.
reach-no-teams = Aucune équipe pour l'instant : importez d'abord les équipes de l'étude d'impact.
reach-table-caption = Couverture par équipe (effectifs)
team-name = Équipe
team-kind = Nature
team-kind-business = Équipe métier
team-kind-support = Fonction support
team-site = Direction ou site
team-maturity = Maturité (1 à 5)
team-headcount = Effectif
reach-invited = Invités
reach-started = Démarrés
reach-completed = Terminés
reach-share = Terminés (part)
reach-due = Échéance
reach-status = État
reach-total = Toutes les équipes
reach-status-none = Rien d'exigé
reach-status-on_track = Dans les temps
reach-status-late = En retard
reach-status-done = Terminé
download-reach-json = Couverture (JSON)

## Questions d'ambiance sur la page de l'apprenant
pulse-heading-before = Avant de commencer : quelques questions rapides
pulse-heading-after = Maintenant que vous avez terminé : quelques questions rapides
pulse-explained = De 1 (pas du tout) à 5 (tout à fait). Vos réponses sont anonymes : les rapports montrent des moyennes de groupes d'au moins 5 personnes, jamais votre nom.
pulse-low = pas du tout
pulse-high = tout à fait
pulse-comment = Un commentaire (facultatif)
pulse-send = Envoyer mes réponses
pulse-score-needed = Donnez à chaque question une note de 1 à 5, une seule fois.
pulse-not-asked = Ces questions ne sont pas posées à ce lien.
filter-all-teams = Toutes les équipes
filter-all-phases = Toutes les phases
filter-apply = Afficher
filter-clear = Retirer les filtres
exercise-name = Exercice
proficiency-heading = Maîtrise
proficiency-explained = Par exercice, parmi les apprenants qui l'ont tenté : combien l'ont réussi, la part qui l'a réussi dès la première vérification, et le temps médian (depuis l'ouverture du bac à sable) et le nombre médian de vérifications pour le réussir.
proficiency-chart-title = Réussite du premier coup par exercice
proficiency-chart-description = { $exercises ->
    [one] Un exercice
   *[other] { $exercises } exercices
} : la part des apprenants qui l'ont réussi dès la première vérification. Le tableau ci-dessous donne tous les chiffres.
proficiency-chart-caption = Part des apprenants qui ont réussi dès la première vérification.
proficiency-table-caption = Maîtrise par exercice
proficiency-attempted = Tenté
proficiency-passed = Réussi
proficiency-first-try = Du premier coup
proficiency-median-time = Temps médian pour réussir (min:s)
proficiency-median-attempts = Vérifications médianes pour réussir
struggle-heading = Points de blocage
struggle-explained = Exercices classés par vérifications échouées, puis par apprenants ayant abandonné (aucune vérification de l'exercice depuis { $hours } heures sans l'avoir réussi, ou session terminée), avec les messages d'échec les plus fréquents.
struggle-rank = Rang
struggle-failed = Vérifications échouées
struggle-abandoned = Abandons
struggle-outputs = Messages d'échec les plus fréquents
struggle-none = Aucune vérification pour l'instant.
confidence-heading = Confiance (questions d'ambiance)
confidence-explained = Réponses de 1 (pas du tout) à 5 (tout à fait). Un groupe de moins de { $min } réponses ne montre que leur nombre, pour que personne ne puisse être reconnu.
confidence-group = Groupe
confidence-answers = Réponses
confidence-average = Moyenne
confidence-hidden = moins de 5 : non affichée
confidence-comments = Commentaires
confidence-none = Aucune question d'ambiance pour l'instant : le ou la responsable du changement les ajoute par l'API (POST /api/v1/programmes/…/pulses).
pulse-moment-before = avant le premier exercice
pulse-moment-after = après le dernier exercice
downloads-heading = Télécharger les chiffres
download-reach-csv = Couverture (CSV)
download-proficiency-csv = Maîtrise (CSV)
download-proficiency-json = Maîtrise (JSON)
download-struggle-csv = Points de blocage (CSV)
download-struggle-json = Points de blocage (JSON)
download-confidence-json = Confiance (JSON)
usage-heading = Utilisé : l'outil au travail
usage-explained = Utilisateurs actifs de l'outil réel par équipe et par semaine, tels que l'outil en production les compte (envoyés à l'API), à côté des personnes de l'équipe formées à la fin de cette semaine.
usage-week = Semaine du
usage-active = Utilisateurs actifs
usage-active-share = Actifs (part de l'effectif)
usage-trained = Formés à cette date
usage-none = Aucun chiffre d'usage réel pour l'instant : envoyez-les à POST /api/v1/programmes/…/usage.
download-usage-json = Usage de l'outil (JSON)
download-ratings-csv = Utile et utilisable (CSV)
download-ratings-json = Utile et utilisable (JSON)
ratings-heading = Utile et utilisable : les notes des apprenants
ratings-explained = Chaque apprenant qui a vérifié un exercice peut noter son utilité et sa facilité, de 1 à 5 (une fois ; il peut changer sa note). Les moyennes sont montrées à partir de { $min } notes.
ratings-chart-title = Notes moyennes par exercice
ratings-chart-description = Deux barres pour chacun des { $exercises } exercices : l'utilité moyenne et la facilité moyenne, de 1 à 5.
ratings-chart-caption = Les exercices notés par au moins le nombre minimum d'apprenants.
ratings-table-caption = Notes par exercice
ratings-count = Notes
ratings-useful = Utile
ratings-usable = Facile
download-tips-csv = Astuces et questions (CSV)
community-heading = Ce que les apprenants se transmettent
community-explained = { $count ->
    [0] Pas encore d'astuce ni de question.
    [one] 1 astuce ou question jusqu'ici ; la plus récente :
   *[other] { $count } astuces et questions jusqu'ici ; les plus récentes :
}
community-answers = { $count ->
    [0] pas de réponse
    [one] 1 réponse
   *[other] { $count } réponses
}
trend-heading = Tendance : d’une cohorte à l’autre
trend-explained = Les mêmes chiffres pour chaque cohorte du programme, par date de début : pour voir si un changement de scénario, d’indice ou de séance a aidé les cohortes suivantes. Les effectifs comptent les lignes de liste ; le taux de réussite du premier coup et les médianes portent sur les exercices de chaque apprenant.
trend-chart-title = Achèvement et réussite du premier coup par cohorte
trend-chart-description = { $cohorts ->
    [one] Une cohorte : la part de ses apprenants qui ont terminé tous les exercices, et la part des exercices réussis à la première vérification.
   *[other] { $cohorts } cohortes par date de début : la part de leurs apprenants qui ont terminé tous les exercices, et la part des exercices réussis à la première vérification.
}
trend-chart-caption = Part des apprenants ayant terminé leur scénario, et part des exercices réussis à la première vérification.
trend-table-caption = Chiffres par cohorte
trend-cohort = Cohorte
trend-starts = Début
trend-phase = Phase
trend-learners = Apprenants
trend-completed = Terminé (part)
trend-first-try = Réussite du premier coup
trend-none = Aucune cohorte dans le programme pour l’instant (ou aucune avec un apprenant de cette équipe).
download-trend-csv = Tendance (CSV)
download-trend-json = Tendance (JSON)
import-usage-empty = le fichier ne donne aucun chiffre : donnez une première ligne qui nomme les colonnes, puis une équipe et une semaine par ligne.
import-usage-no-header = la première ligne doit nommer les colonnes, par exemple « équipe;semaine;utilisateurs actifs ».
import-week = « { $value } » n’est pas une date : écrivez le lundi de la semaine ou l’un de ses jours, par exemple 14/01/2030 ou 2030-01-14.
import-active-users = « { $value } » n’est pas un nombre d’utilisateurs actifs : écrivez un nombre entier, 0 ou plus.
import-duplicate-week = l’équipe { $team } a déjà la semaine du { $week } à la ligne { $first }.
download-usage-csv = Usage de l’outil (CSV)
download-confidence-csv = Confiance (CSV)
usage-chart-title = Usage de l’outil et formation, semaine après semaine
usage-chart-description = { $weeks ->
    [one] Une semaine : la part de l’effectif qui utilise l’outil, et la part formée à la fin de la semaine.
   *[other] { $weeks } semaines : la part de l’effectif qui utilise l’outil chaque semaine, et la part formée à la fin de la semaine.
}
usage-chart-caption = Utilisateurs actifs et personnes formées à cette date, en part de l’effectif des équipes qui ont déclaré la semaine.
confidence-chart-title = Réponse moyenne par question
confidence-chart-description = { $questions ->
    [one] Une question avec assez de réponses : sa réponse moyenne, de 1 à 5.
   *[other] { $questions } questions avec assez de réponses : la réponse moyenne de chacune, de 1 à 5.
}
confidence-chart-caption = Réponse moyenne de tous les apprenants, de 1 (pas du tout) à 5 (tout à fait) ; les questions qui ont trop peu de réponses ne sont que dans les tableaux.

# La communauté d'un exercice : notes, astuces, questions.
tips-title = Les astuces des autres apprenants
tips-none = Pas encore d'astuce pour cet exercice.
tips-question = Question
tips-helped = Cela m'a aidé
tips-votes = { $count ->
    [0] n'a encore aidé personne
    [one] a aidé 1 personne
   *[other] a aidé { $count } personnes
}
tips-own = Vos astuces et questions
tips-status-pending = en attente de relecture par un formateur
tips-status-approved = visible par les autres apprenants
tips-status-rejected = non montrée aux autres apprenants
tips-give = Votre avis sur cet exercice
tips-useful = Était-il utile ? (1 : pas du tout, 5 : très)
tips-usable = Était-il facile à faire ? (1 : pas du tout, 5 : très)
tips-leave = Pour les prochains apprenants (facultatif)
tips-kind-tip = une astuce
tips-kind-question = une question
tips-body = Votre texte
tips-explained = Un formateur lit les astuces et les questions avant que d'autres apprenants ne les voient, sans votre nom. Les notes sont montrées en moyennes d'au moins 5 personnes.
tips-send = Envoyer
tips-after-check = Une fois l'exercice vérifié, vous pourrez le noter et laisser une astuce ou une question.
tips-scores = Donnez les deux notes, utilité et facilité, de 1 à 5.
tips-empty = Notez l'exercice ou écrivez une astuce ou une question.
tips-too-long = Une astuce, une question ou une réponse fait au plus { $max } caractères.
tips-too-many = Vous avez déjà laissé { $max } astuces ou questions sur cet exercice.
tips-not-tried = Vérifiez l'exercice une fois avant de le noter ou de laisser une astuce.
tips-kind = « { $kind } » n'est ni une astuce ni une question.
tips-not-approved = Seules les astuces montrées aux apprenants peuvent recevoir un vote.
tips-not-a-question = Seules les questions reçoivent une réponse.
tips-status = « { $status } » n'est ni approuvé ni refusé.
tips-no-roster = Seuls les apprenants d'une session notent les exercices et laissent des astuces.
tips-nav = Astuces
tips-review-title = Astuces et questions à relire
tips-review-explained = Ce que les apprenants de vos sessions ont laissé sur les exercices. Les astuces approuvées et les questions qui ont une réponse sont montrées, sans le nom de l'apprenant, à tous les apprenants suivants de l'exercice ; répondre à une question l'approuve.
tips-review-none = Rien à relire : aucune astuce ni question n'attend.
tips-kind-tip-title = Astuce
tips-approve = Approuver
tips-reject = Refuser
tips-answer = Votre réponse
tips-answer-send = Répondre

# Appels à l'aide et ambassadeurs.
help-title = Bloqué ?
help-message = Ce qui vous bloque (facultatif)
help-ask = Demander de l'aide
help-open = Vous avez demandé de l'aide sur cet exercice : un ambassadeur ou un formateur va venir. Réussir l'exercice clôt votre appel.
help-close = Je n'ai plus besoin d'aide
help-board-link = Mon tableau d'ambassadeur
help-board-title = Qui a besoin d'aide
help-board-explained = Les apprenants qui ont demandé de l'aide d'abord, le plus ancien appel en premier ; puis ceux qui semblent bloqués : plusieurs vérifications échouées sur leur étape, ou rien fait dans leur bac à sable depuis un moment. Seuls les apprenants dont le bac à sable est ouvert sont listés.
help-back = Retour à mes exercices
help-care = Sous votre responsabilité :
help-exercise = Sur :
help-failed = { $count ->
    [one] 1 vérification échouée
   *[other] { $count } vérifications échouées
}
help-last-output = Dernière vérification échouée
help-idle = Rien fait depuis { $minutes } min
help-nobody = Personne n'a besoin d'aide pour l'instant.
help-why-asked = a demandé de l'aide
help-why-failing = les vérifications échouent
help-why-idle = inactif sur une étape
help-no-roster = Seuls les apprenants d'une session demandent de l'aide ici.
help-already-ambassador = C'est déjà un ambassadeur de celle-ci.
help-message-too-long = Un message d'appel à l'aide fait au plus { $max } caractères.
help-nav = Aide
ambassadors-heading = Ambassadeurs
ambassadors-explained = Les ambassadeurs aident leurs pairs : leur tableau liste qui a demandé de l'aide et qui semble bloqué. Choisissez un apprenant de la session (il trouve son tableau depuis sa propre page) ou donnez le nom d'un compte.
ambassador-account = compte
ambassador-remove = Retirer
ambassador-learner = Un apprenant de la session
ambassador-user = ou le nom d'un compte
ambassador-add = Nommer ambassadeur
ambassador-added = L'ambassadeur a été ajouté.
ambassador-removed = { $name } n'est plus ambassadeur de cette session.
ambassador-pick-one = Choisissez un apprenant de la session ou donnez le nom d'un compte, pas les deux.
ambassador-no-account = Il n'y a pas de compte « { $name } ».
team-ambassadors-heading = Ambassadeurs des équipes
team-ambassadors-explained = Les ambassadeurs d'une équipe aident ses membres : leur tableau liste ceux de l'équipe qui ont demandé de l'aide ou semblent bloqués, dans les sessions du programme.
team-ambassadors-none = aucun pour l'instant
team-ambassadors-team = Équipe
team-ambassadors-learner = Un apprenant des sessions du programme
ambassador-pick-team = Choisissez une des équipes du programme.
help-watch = Regarder et aider
help-which-learner = Indiquez l'apprenant à aider (`learner` : son identifiant).
help-not-in-care = Cet apprenant n'est pas parmi ceux que vous aidez, ou son bac à sable n'est pas ouvert : seuls ses ambassadeurs et ses formateurs peuvent le regarder.
help-session-ended = Cette séance d'aide est terminée : relancez-la depuis le tableau.
watch-title = Aider { $name }
watch-explained = Vous voyez le terminal de { $name } comme il le voit, en direct. Vous ne pouvez taper que s'il vous le permet ; il peut vous arrêter à tout moment. Quitter cette page termine la séance d'aide.
watch-exercise = Exercice :
watch-back = Retour au tableau
terminal-read-only = en observation — lecture seule : l'apprenant peut vous laisser taper
terminal-may-type = l'apprenant vous laisse taper
terminal-refused = non envoyé : l'apprenant ne vous a pas laissé taper
watchers-watching = { $name } regarde votre terminal.
watchers-typing = { $name } regarde votre terminal et peut y taper.
watchers-grant = Laisser { $name } taper
watchers-revoke = Empêcher { $name } de taper
watchers-allow = `allow` doit valoir 1 (le laisser taper) ou 0 (l'en empêcher), pas `{ $value }`.
download-help-csv = Entraide (CSV)
download-help-json = Entraide (JSON)
help-given-heading = Entraide
help-given-explained = Séances d'aide en direct : un ambassadeur ou un formateur a regardé le terminal d'un apprenant, et y a tapé quand l'apprenant l'a permis. Une séance a débloqué son apprenant quand il a réussi l'exercice dans les 30 minutes qui ont suivi son début.
help-given-calls = { $calls ->
    [one] 1 demande d'aide
   *[other] { $calls } demandes d'aide
  }, dont { $answered } prises en charge par une séance d'aide
help-given-sessions = { $sessions ->
    [one] 1 séance d'aide
   *[other] { $sessions } séances d'aide
  } ; { $unblocked } ont débloqué leur apprenant.
help-given-median = Temps médian pour débloquer : { $minutes } min.
help-chart-title = Aide apportée, par personne
help-chart-description = Séances d'aide et celles qui ont débloqué leur apprenant, pour { $helpers ->
    [one] 1 personne
   *[other] { $helpers } personnes
  }.
help-chart-caption = Séances d'aide par personne, et celles après lesquelles l'apprenant a réussi dans les 30 minutes.
help-table-caption = Aide apportée, par personne : le plus de séances d'abord
help-helper = Personne
help-kind = Rôle
help-kind-ambassador = ambassadeur
help-kind-account = formateur ou compte
help-sessions = Séances
help-learners = Apprenants aidés
help-minutes = Minutes
help-unblocked = Débloqués
replays-heading = Enregistrements du terminal
replays-none = Aucun enregistrement du terminal de cet apprenant pour l'instant.
replay-of = Terminal ouvert le { $started }
replay-size = { $kib } Kio
replay-was-cut = arrêté au budget d'enregistrement
replay-title = Revoir : { $name }
replay-back = Retour
replay-explained = Le terminal tel qu'il était, à partir du { $started } : lancez, mettez en pause, accélérez, déplacez-vous, ou allez à une vérification.
replay-cut = Cet enregistrement s'est arrêté au budget d'enregistrement de son lien : la suite n'a pas été gardée.
replay-play = Lire
replay-pause = Pause
replay-speed = Vitesse
replay-position = Position dans l'enregistrement
replay-loading = chargement de l'enregistrement…
replay-ready = relecture
replay-failed = cet enregistrement ne peut pas être relu
replay-help = une relecture : rien de ce qui est tapé ici n'atteint un shell
replay-marks = Vérifications pendant cet enregistrement
replay-no-marks = Aucune vérification pendant cet enregistrement.
replay-download = Télécharger (asciicast v2, pour asciinema)
help-too-many-connections = Cette séance d'aide est déjà ouverte à 3 endroits : fermez-en un d'abord.
refresher-due-heading = Une révision vous attend
refresher-due-explained = Quelques semaines après un exercice réussi, une courte vérification montre s'il est resté : un bac à sable neuf, cet exercice seulement.
refresher-due-link = Révision : { $exercise }
refresher-started = commencée
refresher-title = Révision : { $exercise }
refresher-hello = Bonjour { $name }.
refresher-explained = Vous avez réussi « { $exercise } » il y a quelques semaines. Vérifiez que vous savez toujours le faire : Commencer vous donne un bac à sable neuf avec cet exercice seulement. L'indice reste replié sauf si vous l'ouvrez ; c'est votre première vérification qui compte.
refresher-start = Commencer la révision
refresher-continue = Revenir à ma révision
refreshers-heading = Révisions et rétention
refreshers-explained = Ancrer le changement : quelques semaines après qu'un apprenant a réussi un exercice, il est invité à le refaire dans un bac à sable neuf. L'invitation apparaît sur sa page (son lien), et le pilote peut exporter tous les liens pour les envoyer.
refreshers-none = Aucune révision prévue.
refresher-after = { $exercise }, { $weeks } semaines après la réussite
refresher-links = liens d'invitation (CSV)
refresher-exercise = Exercice
refresher-weeks-label = Semaines après la réussite
refresher-add = Prévoir la révision
refresher-weeks = Indiquez un nombre de semaines de 1 à { $max }.
refresher-pick-exercise = Choisissez un des exercices du programme.
refresher-exists = Cet exercice a déjà une révision.
retention-heading = Rétention
retention-explained = Parmi les apprenants à qui une révision est due : combien l'ont faite, et combien l'ont réussie dès la première vérification. La rétention est la part de ceux qui l'ont faite qui l'ont réussie dès la première vérification.
retention-caption = Rétention par équipe
retention-team = Équipe
retention-due = Dues
retention-taken = Faites
retention-passed = Réussies dès la première vérification
retention-percent = Rétention
retention-no-team = Sans équipe
retention-total = Toutes les équipes
download-retention-csv = Rétention (CSV)
download-retention-json = Rétention (JSON)
watch-tools-heading = Son outil, en lecture seule
watch-tools-explained = L'outil de l'apprenant, tel qu'un visiteur le voit : vous pouvez le parcourir, pas le modifier (formulaires et connexions en direct sont refusés), et vous n'êtes pas connecté à sa place.
watch-tool-open = ouvrir dans un nouvel onglet
help-no-terminal = Le terminal de l'apprenant n'est pas ouvert : il s'affiche ici dès qu'il l'ouvre.
replay-truncated = Cet enregistrement dessine plus qu'une relecture n'en montre d'un coup : elle s'arrête avant la fin ; l'enregistrement lui-même est gardé entier.
starting-title = Sandpit démarre
starting-connecting = Connexion au moteur des bacs à sable et ouverture de la base…
starting-images = Construction des images des bacs à sable : { $done } sur { $total } prêtes. Le premier démarrage sur une nouvelle machine prend plusieurs minutes.
starting-host-guard = Vérification que les bacs à sable ne peuvent pas atteindre ce serveur…
starting-reconciling = Vérification des bacs à sable laissés en marche au dernier arrêt…
starting-wait = Cette page se recharge d'elle-même ; rien n'est perdu entre-temps.
