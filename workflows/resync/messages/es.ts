import type { Catalogue } from './catalogue.js';

/** The replies in Spanish ("usted"): the words the re-test asks for are ones the reply parser reads. */
export const es: Catalogue = {
  ask_codes: `Hola {{firstName}},

Vamos a hacer que su inicio de sesión vuelva a funcionar. Abra la aplicación MobilePASS y responda a este mensaje con dos códigos seguidos:
- copie el código que muestra ahora la aplicación,
- espere a que la aplicación muestre un código NUEVO y cópielo también.

Cada código tiene {{codeLength}} dígitos. Envíelos en orden: el primer código, un espacio y luego el segundo código.`,

  ask_response: `Hola {{firstName}},

Vamos a volver a sincronizar su token {{tokenType}}. Solo lleva un minuto:
- Mantenga pulsado el botón del token hasta que aparezcan opciones como Init y Contrast.
- Cuando muestre 'Resync', vuelva a pulsar el botón.
- Introduzca este desafío: {{challenge}}
- El token mostrará una respuesta. Responda a este mensaje con esa respuesta ({{codeLength}} dígitos).`,

  codes_problem_empty: `Su respuesta nos ha llegado vacía. Responda con dos códigos de la aplicación MobilePASS, en orden: el primer código, un espacio y luego el segundo código ({{codeLength}} dígitos cada uno).`,
  codes_problem_no_codes: `¡Gracias por su respuesta! No hemos encontrado ningún código en ella. Responda con dos códigos de la aplicación MobilePASS, en orden: el primer código, un espacio y luego el segundo código ({{codeLength}} dígitos cada uno).`,
  codes_problem_one_code: `¡Gracias! Solo hemos encontrado un código, pero necesitamos dos seguidos. Espere a que la aplicación MobilePASS muestre un código NUEVO y responda con ambos: el primer código, un espacio y luego el segundo código.`,
  codes_problem_too_many_codes: `¡Gracias! Hemos encontrado más de dos códigos y no sabemos cuáles usar. Responda solo con dos códigos seguidos: el primer código, un espacio y luego el segundo código.`,
  codes_problem_wrong_length: `¡Gracias! Los códigos de su respuesta no tienen {{codeLength}} dígitos. Cópielos exactamente como los muestra la aplicación MobilePASS: el primer código, un espacio y luego el segundo código.`,
  codes_problem_unclear: `Lo sentimos, no hemos podido leer los códigos de su respuesta. Responda solo con los dos códigos de la aplicación MobilePASS: el primer código, un espacio y luego el segundo código.`,

  response_problem_empty: `Su respuesta nos ha llegado vacía. Responda con la respuesta que muestra su token {{tokenType}} después de introducir el desafío {{challenge}}.`,
  response_problem_no_codes: `¡Gracias por su respuesta! No hemos encontrado en ella la respuesta del token. Responda con la respuesta de {{codeLength}} dígitos que muestra su token {{tokenType}} después de introducir el desafío {{challenge}}.`,
  response_problem_one_code: `¡Gracias! Responda con la respuesta que muestra su token {{tokenType}} después de introducir el desafío {{challenge}}.`,
  response_problem_too_many_codes: `¡Gracias! Hemos encontrado más de un número y no sabemos cuál es la respuesta. Responda solo con la respuesta que muestra su token para el desafío {{challenge}}.`,
  response_problem_wrong_length: `¡Gracias! La respuesta debe tener {{codeLength}} dígitos. Cópiela exactamente como la muestra su token {{tokenType}} para el desafío {{challenge}}.`,
  response_problem_unclear: `Lo sentimos, no hemos podido leer la respuesta en su mensaje. Responda solo con la respuesta que muestra su token {{tokenType}} para el desafío {{challenge}}.`,

  retest_unclear: `Lo sentimos, no hemos podido saber si ya funciona. Responda «funciona» si puede iniciar sesión, o «sigue sin funcionar» si no.`,

  codes_rejected: `Esos códigos no coinciden con su token, así que aún no está sincronizado. Suele ocurrir cuando se copia el segundo código antes de que la aplicación muestre uno nuevo. Inténtelo una vez más:
- copie el código que muestra ahora la aplicación MobilePASS,
- espere a un código NUEVO y cópielo también,
- responda con ambos, en orden: el primer código, un espacio y luego el segundo código.`,

  response_rejected: `Esa respuesta no coincide, así que su token aún no está sincronizado. Repita los pasos con el mismo desafío:
- Mantenga pulsado el botón del token hasta que aparezcan opciones como Init y Contrast.
- Cuando muestre 'Resync', vuelva a pulsar el botón.
- Introduzca el desafío: {{challenge}}
- Responda con la respuesta que muestra el token.`,

  ask_retest_in_sync: `Buenas noticias: su token ya estaba sincronizado y el primer código que envió fue aceptado. Intente iniciar sesión de nuevo ahora con un código nuevo y responda «funciona» si ha funcionado o «sigue sin funcionar» si no.`,

  codes_outcome_unknown: `Lo sentimos, el servicio de inicio de sesión no nos respondió a tiempo, así que no sabemos si se usaron sus códigos. Envíe dos códigos NUEVOS:
- espere a que la aplicación MobilePASS muestre un código nuevo y cópielo,
- espere al siguiente código nuevo y cópielo también,
- responda con ambos, en orden: el primer código, un espacio y luego el segundo código.`,

  prepare_resync_mode: `Para ahorrar tiempo, prepare su token {{tokenType}}: mantenga pulsado el botón hasta que aparezcan opciones como Init y Contrast y, cuando muestre 'Resync', vuelva a pulsarlo. El token quedará a la espera de un desafío, que un compañero le enviará por aquí.`,

  assist_codes_received: `Gracias, hemos recibido sus códigos. Un compañero los está introduciendo por usted y le avisará por aquí cuándo volver a iniciar sesión.`,

  ask_retest: `Buenas noticias: su token vuelve a estar sincronizado. Intente iniciar sesión de nuevo ahora y responda «funciona» si ha funcionado o «sigue sin funcionar» si no.`,

  reminder_codes: `Un recordatorio: todavía necesitamos dos códigos de su aplicación MobilePASS para arreglar su inicio de sesión. Responda con el primer código, un espacio y luego el segundo código (espere a un código NUEVO antes de copiar el segundo).`,
  reminder_response: `Un recordatorio: todavía necesitamos la respuesta de su token {{tokenType}}. Mantenga pulsado el botón hasta que aparezcan opciones como Init y Contrast, vuelva a pulsarlo cuando muestre 'Resync', introduzca el desafío {{challenge}} y responda con la respuesta que muestra el token.`,
  reminder_retest: `Un recordatorio: ¿puede iniciar sesión ahora? Responda «funciona» o «sigue sin funcionar».`,

  resolved: `¡Genial, nos alegra que vuelva a funcionar! Marcamos esta solicitud como resuelta. Si el problema vuelve a aparecer, responda aquí.`,
  resolved_auth_seen: `Vemos un inicio de sesión correcto desde que volvimos a sincronizar su token, así que marcamos esta solicitud como resuelta. Si algo sigue sin funcionar, responda aquí.`,
  timed_out: `No hemos tenido noticias suyas, así que cerramos esta solicitud por ahora. Cuando quiera, responda a este mensaje y la retomaremos.`,
  escalated: `Gracias por su paciencia. Un compañero se encargará a partir de aquí y se pondrá en contacto con usted en breve.`,
  change_confirming: `¡Gracias! Un compañero está confirmando ahora el cambio en su cuenta. Le escribiremos por aquí en cuanto esté hecho.`,
};
