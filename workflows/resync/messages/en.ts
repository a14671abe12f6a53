/**
 * The replies the requester reads, in English: the catalogue every other language follows (same names, same
 * placeholders). Short, friendly, one clear ask, for someone who is locked out and in a hurry. No text holds a digit,
 * not even as an example: codes are secrets, so the shape of an answer is described instead.
 */
export const en = {
  ask_codes: `Hello {{firstName}},

Let's get your login working again. Please open the MobilePASS app and reply to this message with two codes in a row:
- copy the code the app shows now,
- wait until the app shows a NEW code, then copy that one too.

Each code has {{codeLength}} digits. Send them in order: the first code, a space, then the second code.`,

  ask_response: `Hello {{firstName}},

Let's get your {{tokenType}} token back in sync. It takes a minute:
- Hold the button on the token until options such as Init and Contrast come up.
- When it shows 'Resync', press the button again.
- Enter this challenge: {{challenge}}
- The token now shows a response. Reply to this message with that response ({{codeLength}} digits).`,

  codes_problem_empty: `Your reply reached us empty. Please reply with two codes from the MobilePASS app, in order: the first code, a space, then the second code ({{codeLength}} digits each).`,
  codes_problem_no_codes: `Thanks for your reply! We couldn't find any codes in it. Please reply with two codes from the MobilePASS app, in order: the first code, a space, then the second code ({{codeLength}} digits each).`,
  codes_problem_one_code: `Thanks! We found only one code, but we need two in a row. Please wait until the MobilePASS app shows a NEW code and reply with both: the first code, a space, then the second code.`,
  codes_problem_too_many_codes: `Thanks! We found more than two codes and can't tell which ones to use. Please reply with just two codes in a row: the first code, a space, then the second code.`,
  codes_problem_wrong_length: `Thanks! The codes in your reply don't have {{codeLength}} digits. Please copy them exactly as the MobilePASS app shows them: the first code, a space, then the second code.`,
  codes_problem_unclear: `Sorry, we couldn't read the codes in your reply. Please reply with only the two codes from the MobilePASS app: the first code, a space, then the second code.`,

  response_problem_empty: `Your reply reached us empty. Please reply with the response your {{tokenType}} token shows after you enter the challenge {{challenge}}.`,
  response_problem_no_codes: `Thanks for your reply! We couldn't find the response in it. Please reply with the {{codeLength}}-digit response your {{tokenType}} token shows after you enter the challenge {{challenge}}.`,
  response_problem_one_code: `Thanks! Please reply with the response your {{tokenType}} token shows after you enter the challenge {{challenge}}.`,
  response_problem_too_many_codes: `Thanks! We found more than one number and can't tell which is the response. Please reply with just the response your token shows for the challenge {{challenge}}.`,
  response_problem_wrong_length: `Thanks! The response should have {{codeLength}} digits. Please copy it exactly as your {{tokenType}} token shows it for the challenge {{challenge}}.`,
  response_problem_unclear: `Sorry, we couldn't read the response in your reply. Please reply with only the response your {{tokenType}} token shows for the challenge {{challenge}}.`,

  retest_unclear: `Sorry, we couldn't tell whether it works now. Please reply "works" if you can log in, or "still failing" if you can't.`,

  codes_rejected: `Those codes didn't match your token, so it isn't in sync yet. This usually happens when the second code is copied before the app shows a new one. Please try once more:
- copy the code the MobilePASS app shows now,
- wait for a NEW code and copy that one too,
- reply with both, in order: the first code, a space, then the second code.`,

  response_rejected: `That response didn't match, so your token isn't in sync yet. Please go through the steps once more with the same challenge:
- Hold the button on the token until options such as Init and Contrast come up.
- When it shows 'Resync', press the button again.
- Enter the challenge: {{challenge}}
- Reply with the response the token shows.`,

  ask_retest_in_sync: `Good news: your token was already in sync, and the first code you sent was accepted. Please try to log in again now with a new code, then reply "works" if it worked or "still failing" if it didn't.`,

  codes_outcome_unknown: `Sorry, the login service didn't answer us in time, so we can't tell whether your codes were used. Please send two NEW codes:
- wait until the MobilePASS app shows a new code and copy it,
- wait for the next new code and copy that one too,
- reply with both, in order: the first code, a space, then the second code.`,

  prepare_resync_mode: `To save time, please get your {{tokenType}} token ready: hold the button until options such as Init and Contrast come up, and when it shows 'Resync', press the button again. The token then waits for a challenge, which our colleague will send you here.`,

  assist_codes_received: `Thanks, we have your codes. A colleague is entering them for you now and will tell you here when to log in again.`,

  ask_retest: `Good news: your token is back in sync. Please try to log in again now, then reply "works" if it worked or "still failing" if it didn't.`,

  reminder_codes: `Just checking in: we still need two codes from your MobilePASS app to fix your login. Reply with the first code, a space, then the second code (wait for a NEW code before copying the second one).`,
  reminder_response: `Just checking in: we still need the response from your {{tokenType}} token. Hold the button until options such as Init and Contrast come up, press again when it shows 'Resync', enter the challenge {{challenge}} and reply with the response the token shows.`,
  reminder_retest: `Just checking in: can you log in now? Please reply "works" or "still failing".`,

  resolved: `Great, glad it works again! We're marking this as solved. If the problem comes back, just reply here.`,
  resolved_auth_seen: `We can see a successful login since we resynced your token, so we're marking this as solved. If anything still isn't working, just reply here.`,
  timed_out: `We haven't heard back, so we're closing this for now. When you're ready, just reply to this message and we'll pick it up again.`,
  escalated: `Thanks for your patience. A colleague will take it from here and get back to you shortly.`,
  /** approve-changes mode: the bot waits for an agent's approval of an account change (docs/modes.md) */
  change_confirming: `Thanks! A colleague is confirming the change to your account now. We'll write again here as soon as it's done.`,
} as const;
