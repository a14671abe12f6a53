import type { Catalogue } from './catalogue.js';

/** The replies in Dutch ("u"): the words the re-test asks for are ones the reply parser reads. */
export const nl: Catalogue = {
  ask_codes: `Hallo {{firstName}},

We zorgen dat u weer kunt inloggen. Open de MobilePASS-app en beantwoord dit bericht met twee opeenvolgende codes:
- kopieer de code die de app nu toont,
- wacht tot de app een NIEUWE code toont en kopieer die ook.

Elke code heeft {{codeLength}} cijfers. Stuur ze in volgorde: de eerste code, een spatie, dan de tweede code.`,

  ask_response: `Hallo {{firstName}},

We brengen uw {{tokenType}}-token weer in sync. Dat duurt een minuutje:
- Houd de knop op de token ingedrukt tot er opties als Init en Contrast verschijnen.
- Zodra 'Resync' verschijnt, drukt u nogmaals op de knop.
- Voer deze challenge in: {{challenge}}
- De token toont nu een antwoord. Beantwoord dit bericht met dat antwoord ({{codeLength}} cijfers).`,

  codes_problem_empty: `Uw antwoord kwam leeg bij ons aan. Antwoord met twee codes uit de MobilePASS-app, in volgorde: de eerste code, een spatie, dan de tweede code (elk {{codeLength}} cijfers).`,
  codes_problem_no_codes: `Bedankt voor uw antwoord! We konden er geen codes in vinden. Antwoord met twee codes uit de MobilePASS-app, in volgorde: de eerste code, een spatie, dan de tweede code (elk {{codeLength}} cijfers).`,
  codes_problem_one_code: `Bedankt! We vonden maar één code, maar we hebben er twee achter elkaar nodig. Wacht tot de MobilePASS-app een NIEUWE code toont en antwoord met beide: de eerste code, een spatie, dan de tweede code.`,
  codes_problem_too_many_codes: `Bedankt! We vonden meer dan twee codes en weten niet welke we moeten gebruiken. Antwoord met alleen twee opeenvolgende codes: de eerste code, een spatie, dan de tweede code.`,
  codes_problem_wrong_length: `Bedankt! De codes in uw antwoord hebben geen {{codeLength}} cijfers. Kopieer ze precies zoals de MobilePASS-app ze toont: de eerste code, een spatie, dan de tweede code.`,
  codes_problem_unclear: `Sorry, we konden de codes in uw antwoord niet lezen. Antwoord alleen met de twee codes uit de MobilePASS-app: de eerste code, een spatie, dan de tweede code.`,

  response_problem_empty: `Uw antwoord kwam leeg bij ons aan. Antwoord met het antwoord dat uw {{tokenType}}-token toont nadat u de challenge {{challenge}} hebt ingevoerd.`,
  response_problem_no_codes: `Bedankt voor uw antwoord! We konden het antwoord van de token er niet in vinden. Antwoord met het antwoord van {{codeLength}} cijfers dat uw {{tokenType}}-token toont nadat u de challenge {{challenge}} hebt ingevoerd.`,
  response_problem_one_code: `Bedankt! Antwoord met het antwoord dat uw {{tokenType}}-token toont nadat u de challenge {{challenge}} hebt ingevoerd.`,
  response_problem_too_many_codes: `Bedankt! We vonden meer dan één getal en weten niet welk het antwoord is. Antwoord alleen met het antwoord dat uw token toont voor de challenge {{challenge}}.`,
  response_problem_wrong_length: `Bedankt! Het antwoord moet {{codeLength}} cijfers hebben. Neem het precies over zoals uw {{tokenType}}-token het toont voor de challenge {{challenge}}.`,
  response_problem_unclear: `Sorry, we konden het antwoord in uw bericht niet lezen. Antwoord alleen met het antwoord dat uw {{tokenType}}-token toont voor de challenge {{challenge}}.`,

  retest_unclear: `Sorry, we konden niet opmaken of het nu werkt. Antwoord "werkt" als u kunt inloggen, of "werkt nog steeds niet" als dat niet lukt.`,

  codes_rejected: `Die codes pasten niet bij uw token, dus die is nog niet gesynchroniseerd. Dat gebeurt meestal als de tweede code wordt gekopieerd voordat de app een nieuwe toont. Probeer het nog een keer:
- kopieer de code die de MobilePASS-app nu toont,
- wacht op een NIEUWE code en kopieer die ook,
- antwoord met beide, in volgorde: de eerste code, een spatie, dan de tweede code.`,

  response_rejected: `Dat antwoord klopte niet, dus uw token is nog niet gesynchroniseerd. Doorloop de stappen nog een keer met dezelfde challenge:
- Houd de knop op de token ingedrukt tot er opties als Init en Contrast verschijnen.
- Zodra 'Resync' verschijnt, drukt u nogmaals op de knop.
- Voer de challenge in: {{challenge}}
- Antwoord met het antwoord dat de token toont.`,

  ask_retest_in_sync: `Goed nieuws: uw token was al gesynchroniseerd en de eerste code die u stuurde, is geaccepteerd. Probeer nu opnieuw in te loggen met een nieuwe code en antwoord daarna "werkt" als het gelukt is of "werkt nog steeds niet" als dat niet zo is.`,

  codes_outcome_unknown: `Sorry, de inlogdienst antwoordde niet op tijd, dus we weten niet of uw codes zijn gebruikt. Stuur twee NIEUWE codes:
- wacht tot de MobilePASS-app een nieuwe code toont en kopieer die,
- wacht op de volgende nieuwe code en kopieer die ook,
- antwoord met beide, in volgorde: de eerste code, een spatie, dan de tweede code.`,

  prepare_resync_mode: `Om tijd te besparen kunt u uw {{tokenType}}-token alvast klaarzetten: houd de knop ingedrukt tot er opties als Init en Contrast verschijnen en druk nogmaals zodra 'Resync' verschijnt. De token wacht dan op een challenge, die een collega u hier stuurt.`,

  assist_codes_received: `Bedankt, we hebben uw codes ontvangen. Een collega voert ze nu voor u in en laat u hier weten wanneer u weer kunt inloggen.`,

  ask_retest: `Goed nieuws: uw token is weer gesynchroniseerd. Probeer nu opnieuw in te loggen en antwoord daarna "werkt" als het gelukt is of "werkt nog steeds niet" als dat niet zo is.`,

  reminder_codes: `Even checken: we hebben nog twee codes uit uw MobilePASS-app nodig om uw inlog te herstellen. Antwoord met de eerste code, een spatie, dan de tweede code (wacht op een NIEUWE code voordat u de tweede kopieert).`,
  reminder_response: `Even checken: we hebben nog het antwoord van uw {{tokenType}}-token nodig. Houd de knop ingedrukt tot er opties als Init en Contrast verschijnen, druk nogmaals zodra 'Resync' verschijnt, voer de challenge {{challenge}} in en antwoord met het antwoord dat de token toont.`,
  reminder_retest: `Even checken: kunt u nu inloggen? Antwoord "werkt" of "werkt nog steeds niet".`,

  resolved: `Fijn dat het weer werkt! We markeren dit verzoek als opgelost. Komt het probleem terug, antwoord dan gewoon hier.`,
  resolved_auth_seen: `We zien een geslaagde inlog sinds we uw token opnieuw hebben gesynchroniseerd, dus we markeren dit verzoek als opgelost. Werkt er toch nog iets niet, antwoord dan gewoon hier.`,
  timed_out: `We hebben niets meer van u gehoord, dus we sluiten dit verzoek voorlopig. Zodra u zover bent, antwoordt u gewoon op dit bericht en gaan we verder.`,
  escalated: `Bedankt voor uw geduld. Een collega neemt het vanaf hier over en neemt binnenkort contact met u op.`,
  change_confirming: `Bedankt! Een collega bevestigt nu de wijziging aan uw account. We laten het u hier weten zodra die is doorgevoerd.`,
};
