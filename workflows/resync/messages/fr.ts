import type { Catalogue } from './catalogue.js';

/** The replies in French ("vous"): the words the re-test asks for are ones the reply parser reads. */
export const fr: Catalogue = {
  ask_codes: `Bonjour {{firstName}},

Nous allons rétablir votre connexion. Ouvrez l'application MobilePASS et répondez à ce message avec deux codes consécutifs :
- copiez le code que l'application affiche maintenant,
- attendez que l'application affiche un NOUVEAU code, puis copiez-le aussi.

Chaque code comporte {{codeLength}} chiffres. Envoyez-les dans l'ordre : le premier code, un espace, puis le second code.`,

  ask_response: `Bonjour {{firstName}},

Nous allons resynchroniser votre jeton {{tokenType}}. Cela prend une minute :
- Maintenez le bouton du jeton enfoncé jusqu'à ce que des options comme Init et Contrast apparaissent.
- Lorsque 'Resync' s'affiche, appuyez de nouveau sur le bouton.
- Saisissez ce challenge : {{challenge}}
- Le jeton affiche alors une réponse. Répondez à ce message avec cette réponse ({{codeLength}} chiffres).`,

  codes_problem_empty: `Votre réponse nous est parvenue vide. Merci de répondre avec deux codes de l'application MobilePASS, dans l'ordre : le premier code, un espace, puis le second code ({{codeLength}} chiffres chacun).`,
  codes_problem_no_codes: `Merci pour votre réponse ! Nous n'y avons trouvé aucun code. Merci de répondre avec deux codes de l'application MobilePASS, dans l'ordre : le premier code, un espace, puis le second code ({{codeLength}} chiffres chacun).`,
  codes_problem_one_code: `Merci ! Nous n'avons trouvé qu'un seul code, mais il nous en faut deux consécutifs. Attendez que l'application MobilePASS affiche un NOUVEAU code et répondez avec les deux : le premier code, un espace, puis le second code.`,
  codes_problem_too_many_codes: `Merci ! Nous avons trouvé plus de deux codes et ne savons pas lesquels utiliser. Répondez avec seulement deux codes consécutifs : le premier code, un espace, puis le second code.`,
  codes_problem_wrong_length: `Merci ! Les codes de votre réponse ne comportent pas {{codeLength}} chiffres. Copiez-les exactement comme l'application MobilePASS les affiche : le premier code, un espace, puis le second code.`,
  codes_problem_unclear: `Désolés, nous n'avons pas pu lire les codes de votre réponse. Répondez uniquement avec les deux codes de l'application MobilePASS : le premier code, un espace, puis le second code.`,

  response_problem_empty: `Votre réponse nous est parvenue vide. Répondez avec la réponse que votre jeton {{tokenType}} affiche après la saisie du challenge {{challenge}}.`,
  response_problem_no_codes: `Merci pour votre réponse ! Nous n'y avons pas trouvé la réponse du jeton. Répondez avec la réponse à {{codeLength}} chiffres que votre jeton {{tokenType}} affiche après la saisie du challenge {{challenge}}.`,
  response_problem_one_code: `Merci ! Répondez avec la réponse que votre jeton {{tokenType}} affiche après la saisie du challenge {{challenge}}.`,
  response_problem_too_many_codes: `Merci ! Nous avons trouvé plus d'un nombre et ne savons pas lequel est la réponse. Répondez uniquement avec la réponse que votre jeton affiche pour le challenge {{challenge}}.`,
  response_problem_wrong_length: `Merci ! La réponse doit comporter {{codeLength}} chiffres. Recopiez-la exactement comme votre jeton {{tokenType}} l'affiche pour le challenge {{challenge}}.`,
  response_problem_unclear: `Désolés, nous n'avons pas pu lire la réponse dans votre message. Répondez uniquement avec la réponse que votre jeton {{tokenType}} affiche pour le challenge {{challenge}}.`,

  retest_unclear: `Désolés, nous n'avons pas pu savoir si cela fonctionne maintenant. Répondez « ça marche » si vous pouvez vous connecter, ou « ça ne marche toujours pas » sinon.`,

  codes_rejected: `Ces codes ne correspondent pas à votre jeton, il n'est donc pas encore synchronisé. Cela arrive souvent quand le second code est copié avant que l'application n'en affiche un nouveau. Merci de réessayer :
- copiez le code que l'application MobilePASS affiche maintenant,
- attendez un NOUVEAU code et copiez-le aussi,
- répondez avec les deux, dans l'ordre : le premier code, un espace, puis le second code.`,

  response_rejected: `Cette réponse ne correspond pas, votre jeton n'est donc pas encore synchronisé. Refaites les étapes avec le même challenge :
- Maintenez le bouton du jeton enfoncé jusqu'à ce que des options comme Init et Contrast apparaissent.
- Lorsque 'Resync' s'affiche, appuyez de nouveau sur le bouton.
- Saisissez le challenge : {{challenge}}
- Répondez avec la réponse affichée par le jeton.`,

  ask_retest_in_sync: `Bonne nouvelle : votre jeton était déjà synchronisé et le premier code envoyé a été accepté. Essayez maintenant de vous reconnecter avec un nouveau code, puis répondez « ça marche » si cela a fonctionné ou « ça ne marche toujours pas » sinon.`,

  codes_outcome_unknown: `Désolés, le service de connexion ne nous a pas répondu à temps : nous ne savons pas si vos codes ont été utilisés. Envoyez-nous deux NOUVEAUX codes :
- attendez que l'application MobilePASS affiche un nouveau code et copiez-le,
- attendez le code suivant et copiez-le aussi,
- répondez avec les deux, dans l'ordre : le premier code, un espace, puis le second code.`,

  prepare_resync_mode: `Pour gagner du temps, préparez votre jeton {{tokenType}} : maintenez le bouton enfoncé jusqu'à ce que des options comme Init et Contrast apparaissent, puis appuyez de nouveau lorsque 'Resync' s'affiche. Le jeton attend alors un challenge, que notre équipe vous enverra ici.`,

  assist_codes_received: `Merci, nous avons bien reçu vos codes. Un membre de notre équipe les saisit pour vous et vous dira ici quand vous reconnecter.`,

  ask_retest: `Bonne nouvelle : votre jeton est de nouveau synchronisé. Essayez maintenant de vous reconnecter, puis répondez « ça marche » si cela a fonctionné ou « ça ne marche toujours pas » sinon.`,

  reminder_codes: `Petit rappel : il nous faut encore deux codes de votre application MobilePASS pour rétablir votre connexion. Répondez avec le premier code, un espace, puis le second code (attendez un NOUVEAU code avant de copier le second).`,
  reminder_response: `Petit rappel : il nous faut encore la réponse de votre jeton {{tokenType}}. Maintenez le bouton enfoncé jusqu'à ce que des options comme Init et Contrast apparaissent, appuyez de nouveau lorsque 'Resync' s'affiche, saisissez le challenge {{challenge}} et répondez avec la réponse affichée par le jeton.`,
  reminder_retest: `Petit rappel : pouvez-vous vous connecter maintenant ? Répondez « ça marche » ou « ça ne marche toujours pas ».`,

  resolved: `Parfait, ravis que cela fonctionne de nouveau ! Nous marquons cette demande comme résolue. Si le problème revient, répondez simplement ici.`,
  resolved_auth_seen: `Nous constatons une connexion réussie depuis la resynchronisation de votre jeton : nous marquons donc cette demande comme résolue. Si quelque chose ne fonctionne toujours pas, répondez simplement ici.`,
  timed_out: `Sans nouvelles de votre part, nous clôturons cette demande pour le moment. Dès que vous le souhaitez, répondez simplement à ce message et nous reprendrons.`,
  escalated: `Merci de votre patience. Un membre de notre équipe prend le relais et revient vers vous très vite.`,
  change_confirming: `Merci ! Un membre de notre équipe confirme en ce moment la modification de votre compte. Nous vous écrirons ici dès que ce sera fait.`,
};
