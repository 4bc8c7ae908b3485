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
checking = Vérification…
check-locked = Terminez d'abord les étapes précédentes.
feedback-passed = Réussi !
feedback-failed = Pas encore.
feedback-error = La vérification n'a pas pu s'exécuter. Réessayez dans un instant.
feedback-network = Impossible de joindre Sandpit. Vérifiez votre connexion et réessayez.
next-step = Étape suivante →
workspace-label = Espace de travail
terminal = Terminal
terminal-label = Terminal : tapez vos commandes ici
open-in-new-tab = Ouvrir { $title } dans un nouvel onglet
terminal-connecting = connexion…
terminal-connected = connecté
terminal-reconnecting = reconnexion…
terminal-ended = session terminée — appuyez sur Entrée pour ouvrir un nouveau shell
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
index-trainers = Formateurs et administrateurs : connexion
busy-title = Votre bac à sable n’est pas encore prêt
busy-body = Tous les bacs à sable de ce serveur sont utilisés en ce moment. Votre progression est conservée. Réessayez dans une minute ou prévenez votre formateur.
busy-retry = Réessayer
