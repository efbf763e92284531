# dyad — English, field errors the services give (FieldError::from_catalogue and the intake's
# checks). The API answers these in English; pages show them in the reader's language.

## Intake answers (dyad_core::forms::FIELD_ERROR_CODES: intake-check-<code>)
intake-check-not-an-object = The answers could not be read. Please try again.
intake-check-unknown-question = This is not a question on this form.
intake-check-not-a-choice = "{ $code }" is not one of the choices ({ $choices }).
intake-check-choose-one = Choose one of the answers.
intake-check-choice-list = Choose one or more answers, or "None of these".
intake-check-choice-twice = "{ $code }" is chosen more than once.
intake-check-not-a-choice-here = "{ $code }" is not one of the choices here.
intake-check-choice-code = Choose one of the answers.
intake-check-whole-number-range = Give a whole number from { $min } to { $max }.
intake-check-number-range = Give a number from { $min } to { $max }.
intake-check-date = Give a date from 1900 on, as year, month and day (for example 1990-04-12).
intake-check-boolean = Choose yes or no.
intake-check-text-too-long = Keep this to { $max } characters; it has { $length } now.
intake-check-text = Write this as text.
intake-check-instrument-not-loaded = This questionnaire is not available at the moment.
intake-check-instrument-list = Give one answer per question ({ $count } in all).
intake-check-instrument-count = Give one answer per question: { $count } in all, not { $got }.
intake-check-item-value = Question { $number }: choose one of the answers given.
intake-check-group-object = These answers belong together; answer them on their page.
intake-check-entry-list = Give a list, or choose "none".
intake-check-too-many-entries = List at most { $max }; there are { $count } now.
intake-check-entry-object = Each line needs a name.
intake-check-entry-name = Give a name.
intake-check-too-long = Keep this to { $max } characters.
intake-check-unknown-detail = A line has only these parts: { $details }.
intake-check-missing-item = Please answer this item.
intake-check-missing-question = Please answer this question.

## Sign-up, joining and the account
check-name-length = Give a name of 1 to { $max } characters.
check-password-too-short = Choose another password: use at least { $min } characters.
check-password-too-long = Choose another password: use at most { $max } characters.
check-password-not-current = This is not your current password.
check-password-unchanged = Choose a password different from the current one.
check-totp-code = This code does not match. Check the time on your phone and try the newest code.
check-motivation-empty = Tell us, in a few words, why you would like to take part.
check-motivation-long = Keep it under { $max } characters.
check-age = Taking part is only possible from 18 years of age.
check-accept-documents = Please read and accept the participation terms and the privacy notice.
check-email = Give a valid email address, like name@example.org.
check-relationship = Choose how you know each other.
check-partner-email = Give your partner's email address, like name@example.org.
check-partner-email-is-yours = This is your own address; give the other person's.
check-email-taken = An account with this email address already exists. Sign in instead.
check-invitation-email-taken = An account with this invitation's email address already exists. Sign in instead.

## Journal and messages
check-journal-length = Write 1 to { $max } characters.
check-journal-tag = Choose mine, theirs or ours.
check-message-length = Write a message of 1 to { $max } characters.
