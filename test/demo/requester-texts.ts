import type { Language } from '../../workflows/resync/language.js';

/** What a simulated requester writes, in their language: the ticket, their codes, their re-test answer. */
export interface RequesterTexts {
  subject: string;
  description: string;
  /** codes as a mail client sends them: greeting, "code 1 / code 2", thanks, name and the quoted history */
  codes(first: [string, string], second: string, name: string): string;
  garbled: string;
  response(value: string): string;
  works: string;
  fails: string;
}

export const REQUESTER_TEXTS: Readonly<Record<Language, RequesterTexts>> = {
  en: {
    subject: '2FA code not working',
    description: 'My 2FA code does not work, I cannot log in.',
    codes: ([a, b], c, name) => `Hi,\n\ncode 1: ${a} ${b}\ncode 2: ${c}\n\nThanks\n${name}\n\nOn Mon, Helpdesk wrote:\n> Please send two codes`,
    garbled: "hi, it just says 'invalid code' every time?? i need this fixed asap\n\nSent from my iPhone",
    response: (value) => `The token shows ${value}`,
    works: 'Yes, works now - thank you!',
    fails: 'No, still failing, same error as before.',
  },
  de: {
    subject: '2FA-Code funktioniert nicht',
    description: 'Mein 2FA-Code funktioniert nicht, ich kann mich nicht anmelden.',
    codes: ([a, b], c, name) =>
      `Hallo,\n\nCode 1: ${a} ${b}\nCode 2: ${c}\n\nDanke\n${name}\n\nAm Mo., 3. Nov. 2026 um 10:02 schrieb Helpdesk <helpdesk@example.com>:\n> Bitte senden Sie zwei Codes`,
    garbled: "hallo, da steht jedes mal 'ungültiger code'?? ich brauche das dringend\n\nVon meinem iPhone gesendet",
    response: (value) => `Das Token zeigt ${value}`,
    works: 'Ja, funktioniert jetzt – danke!',
    fails: 'Nein, geht immer noch nicht, gleicher Fehler wie vorher.',
  },
  fr: {
    subject: 'Mon code 2FA ne marche pas',
    description: "Mon code 2FA ne fonctionne pas, je n'arrive pas à me connecter.",
    codes: ([a, b], c, name) =>
      `Bonjour,\n\nCode 1 : ${a} ${b}\nCode 2 : ${c}\n\nMerci\n${name}\n\nLe lun. 3 nov. 2026 à 10:02, Helpdesk <helpdesk@example.com> a écrit :\n> Merci d'envoyer deux codes`,
    garbled: "bonjour, ça dit 'code invalide' à chaque fois ?? c'est urgent\n\nEnvoyé de mon iPhone",
    response: (value) => `Le jeton affiche ${value}`,
    works: 'Oui, ça marche maintenant, merci !',
    fails: "Non, ça ne marche toujours pas, même erreur qu'avant.",
  },
  nl: {
    subject: 'Mijn 2FA-code werkt niet',
    description: 'Mijn 2FA-code werkt niet, ik kan niet inloggen.',
    codes: ([a, b], c, name) => `Hallo,\n\nCode 1: ${a} ${b}\nCode 2: ${c}\n\nBedankt\n${name}\n\nOp ma 3 nov. 2026 om 10:02 schreef Helpdesk <helpdesk@example.com>:\n> Stuur twee codes`,
    garbled: "hoi, er staat elke keer 'ongeldige code'?? het is dringend\n\nVerstuurd vanaf mijn iPhone",
    response: (value) => `De token toont ${value}`,
    works: 'Ja, het werkt nu, bedankt!',
    fails: 'Nee, werkt nog steeds niet, dezelfde fout als eerst.',
  },
  es: {
    subject: 'Mi código 2FA no funciona',
    description: 'Mi código 2FA no funciona, no puedo iniciar sesión.',
    codes: ([a, b], c, name) =>
      `Hola,\n\nCódigo 1: ${a} ${b}\nCódigo 2: ${c}\n\nGracias\n${name}\n\nEl lun, 3 nov 2026 a las 10:02, Helpdesk (<helpdesk@example.com>) escribió:\n> Envíe dos códigos`,
    garbled: "hola, pone 'código inválido' cada vez ?? lo necesito ya\n\nEnviado desde mi iPhone",
    response: (value) => `El token muestra ${value}`,
    works: 'Sí, ya funciona, ¡gracias!',
    fails: 'No, sigue sin funcionar, el mismo error que antes.',
  },
};
