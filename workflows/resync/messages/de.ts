import type { Catalogue } from './catalogue.js';

/** The replies in German ("Sie"): the words the re-test asks for are ones the reply parser reads. */
export const de: Catalogue = {
  ask_codes: `Hallo {{firstName}},

wir bringen Ihre Anmeldung wieder in Ordnung. Bitte öffnen Sie die MobilePASS-App und antworten Sie auf diese Nachricht mit zwei aufeinanderfolgenden Codes:
- kopieren Sie den Code, den die App jetzt anzeigt,
- warten Sie, bis die App einen NEUEN Code anzeigt, und kopieren Sie auch diesen.

Jeder Code hat {{codeLength}} Ziffern. Senden Sie beide in dieser Reihenfolge: den ersten Code, ein Leerzeichen, dann den zweiten Code.`,

  ask_response: `Hallo {{firstName}},

wir synchronisieren Ihr {{tokenType}}-Token neu. Das dauert nur eine Minute:
- Halten Sie die Taste am Token gedrückt, bis Optionen wie Init und Contrast erscheinen.
- Sobald 'Resync' angezeigt wird, drücken Sie die Taste erneut.
- Geben Sie diese Challenge ein: {{challenge}}
- Das Token zeigt nun eine Antwort an. Antworten Sie auf diese Nachricht mit dieser Antwort ({{codeLength}} Ziffern).`,

  codes_problem_empty: `Ihre Antwort ist leer bei uns angekommen. Bitte antworten Sie mit zwei Codes aus der MobilePASS-App, in dieser Reihenfolge: den ersten Code, ein Leerzeichen, dann den zweiten Code (je {{codeLength}} Ziffern).`,
  codes_problem_no_codes: `Danke für Ihre Antwort! Wir konnten darin keine Codes finden. Bitte antworten Sie mit zwei Codes aus der MobilePASS-App, in dieser Reihenfolge: den ersten Code, ein Leerzeichen, dann den zweiten Code (je {{codeLength}} Ziffern).`,
  codes_problem_one_code: `Danke! Wir haben nur einen Code gefunden, brauchen aber zwei aufeinanderfolgende. Bitte warten Sie, bis die MobilePASS-App einen NEUEN Code anzeigt, und antworten Sie mit beiden: den ersten Code, ein Leerzeichen, dann den zweiten Code.`,
  codes_problem_too_many_codes: `Danke! Wir haben mehr als zwei Codes gefunden und wissen nicht, welche wir verwenden sollen. Bitte antworten Sie nur mit zwei aufeinanderfolgenden Codes: den ersten Code, ein Leerzeichen, dann den zweiten Code.`,
  codes_problem_wrong_length: `Danke! Die Codes in Ihrer Antwort haben nicht {{codeLength}} Ziffern. Bitte kopieren Sie sie genau so, wie die MobilePASS-App sie anzeigt: den ersten Code, ein Leerzeichen, dann den zweiten Code.`,
  codes_problem_unclear: `Leider konnten wir die Codes in Ihrer Antwort nicht lesen. Bitte antworten Sie nur mit den zwei Codes aus der MobilePASS-App: den ersten Code, ein Leerzeichen, dann den zweiten Code.`,

  response_problem_empty: `Ihre Antwort ist leer bei uns angekommen. Bitte antworten Sie mit der Antwort, die Ihr {{tokenType}}-Token nach Eingabe der Challenge {{challenge}} anzeigt.`,
  response_problem_no_codes: `Danke für Ihre Antwort! Wir konnten die Antwort des Tokens darin nicht finden. Bitte antworten Sie mit der {{codeLength}}-stelligen Antwort, die Ihr {{tokenType}}-Token nach Eingabe der Challenge {{challenge}} anzeigt.`,
  response_problem_one_code: `Danke! Bitte antworten Sie mit der Antwort, die Ihr {{tokenType}}-Token nach Eingabe der Challenge {{challenge}} anzeigt.`,
  response_problem_too_many_codes: `Danke! Wir haben mehr als eine Zahl gefunden und wissen nicht, welche die Antwort ist. Bitte antworten Sie nur mit der Antwort, die Ihr Token für die Challenge {{challenge}} anzeigt.`,
  response_problem_wrong_length: `Danke! Die Antwort muss {{codeLength}} Ziffern haben. Bitte übernehmen Sie sie genau so, wie Ihr {{tokenType}}-Token sie für die Challenge {{challenge}} anzeigt.`,
  response_problem_unclear: `Leider konnten wir die Antwort des Tokens in Ihrer Nachricht nicht lesen. Bitte antworten Sie nur mit der Antwort, die Ihr {{tokenType}}-Token für die Challenge {{challenge}} anzeigt.`,

  retest_unclear: `Leider konnten wir nicht erkennen, ob es jetzt funktioniert. Bitte antworten Sie „funktioniert“, wenn Sie sich anmelden können, oder „geht immer noch nicht“, wenn nicht.`,

  codes_rejected: `Diese Codes passten nicht zu Ihrem Token, daher ist es noch nicht synchronisiert. Das passiert meist, wenn der zweite Code kopiert wird, bevor die App einen neuen anzeigt. Bitte versuchen Sie es noch einmal:
- kopieren Sie den Code, den die MobilePASS-App jetzt anzeigt,
- warten Sie auf einen NEUEN Code und kopieren Sie auch diesen,
- antworten Sie mit beiden, in dieser Reihenfolge: den ersten Code, ein Leerzeichen, dann den zweiten Code.`,

  response_rejected: `Diese Antwort passte nicht, daher ist Ihr Token noch nicht synchronisiert. Bitte gehen Sie die Schritte mit derselben Challenge noch einmal durch:
- Halten Sie die Taste am Token gedrückt, bis Optionen wie Init und Contrast erscheinen.
- Sobald 'Resync' angezeigt wird, drücken Sie die Taste erneut.
- Geben Sie die Challenge ein: {{challenge}}
- Antworten Sie mit der Antwort, die das Token anzeigt.`,

  ask_retest_in_sync: `Gute Nachricht: Ihr Token war bereits synchronisiert, und der erste Code, den Sie gesendet haben, wurde akzeptiert. Bitte melden Sie sich jetzt mit einem neuen Code erneut an und antworten Sie dann „funktioniert“, wenn es geklappt hat, oder „geht immer noch nicht“, wenn nicht.`,

  codes_outcome_unknown: `Leider hat uns der Anmeldedienst nicht rechtzeitig geantwortet, daher wissen wir nicht, ob Ihre Codes verwendet wurden. Bitte senden Sie zwei NEUE Codes:
- warten Sie, bis die MobilePASS-App einen neuen Code anzeigt, und kopieren Sie ihn,
- warten Sie auf den nächsten neuen Code und kopieren Sie auch diesen,
- antworten Sie mit beiden, in dieser Reihenfolge: den ersten Code, ein Leerzeichen, dann den zweiten Code.`,

  prepare_resync_mode: `Um Zeit zu sparen, halten Sie bitte Ihr {{tokenType}}-Token bereit: Halten Sie die Taste gedrückt, bis Optionen wie Init und Contrast erscheinen, und drücken Sie sie erneut, sobald 'Resync' angezeigt wird. Das Token wartet dann auf eine Challenge, die wir Ihnen hier schicken.`,

  assist_codes_received: `Danke, wir haben Ihre Codes erhalten. Jemand aus unserem Team gibt sie jetzt für Sie ein und sagt Ihnen hier Bescheid, wann Sie sich wieder anmelden können.`,

  ask_retest: `Gute Nachricht: Ihr Token ist wieder synchronisiert. Bitte melden Sie sich jetzt erneut an und antworten Sie dann „funktioniert“, wenn es geklappt hat, oder „geht immer noch nicht“, wenn nicht.`,

  reminder_codes: `Kurze Nachfrage: Wir brauchen noch zwei Codes aus Ihrer MobilePASS-App, um Ihre Anmeldung zu reparieren. Antworten Sie mit dem ersten Code, einem Leerzeichen und dann dem zweiten Code (warten Sie auf einen NEUEN Code, bevor Sie den zweiten kopieren).`,
  reminder_response: `Kurze Nachfrage: Wir brauchen noch die Antwort Ihres {{tokenType}}-Tokens. Halten Sie die Taste gedrückt, bis Optionen wie Init und Contrast erscheinen, drücken Sie erneut, sobald 'Resync' angezeigt wird, geben Sie die Challenge {{challenge}} ein und antworten Sie mit der Antwort, die das Token anzeigt.`,
  reminder_retest: `Kurze Nachfrage: Können Sie sich jetzt anmelden? Bitte antworten Sie „funktioniert“ oder „geht immer noch nicht“.`,

  resolved: `Super, schön, dass es wieder funktioniert! Wir markieren diese Anfrage als gelöst. Falls das Problem wieder auftritt, antworten Sie einfach hier.`,
  resolved_auth_seen: `Wir sehen eine erfolgreiche Anmeldung seit der Synchronisierung Ihres Tokens und markieren diese Anfrage daher als gelöst. Falls noch etwas nicht funktioniert, antworten Sie einfach hier.`,
  timed_out: `Wir haben nichts mehr von Ihnen gehört und schließen diese Anfrage deshalb vorerst. Wenn Sie so weit sind, antworten Sie einfach auf diese Nachricht, dann machen wir weiter.`,
  escalated: `Vielen Dank für Ihre Geduld. Jemand aus unserem Team übernimmt ab hier und meldet sich in Kürze bei Ihnen.`,
  change_confirming: `Danke! Jemand aus unserem Team bestätigt jetzt die Änderung an Ihrem Konto. Wir melden uns hier wieder, sobald sie erledigt ist.`,
};
