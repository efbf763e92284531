# dyad — English. Every text a person reads lives here; nl/ must hold the same ids.

## Layout
skip-to-content = Skip to the main content
nav-label = Main
nav-home = Home
nav-staff = Staff
nav-audit = Audit trail
nav-account = Your account
nav-sign-in = Sign in
nav-sign-out = Sign out
language = Language
footer-not-advice = This service supports your care team. It does not give medical advice, and it never decides on its own.
form-errors-title = Please look at these answers again

## Public home
home-title = Guided sessions for two people who know each other well
home-intro = Two people — partners, friends or family — take part together, each in their own way. This space holds the whole path: signing up, getting to know you, a careful check of whether it is safe, preparing together, the session day, and the weeks after.
home-what-title = What a duo session is
home-what-body = On the session day, both of you take MDMA in the same room, with a care team of at least two people present all day. Some moments are shared; others are your own. A session can open up conversations that felt hard before, but it is not a cure, and it can bring up difficult feelings too. Your team will be honest with you about what it can and cannot do.
home-wall-title = What you share stays yours
home-wall-body = You each answer your own questions, alone. Your partner never sees what you tell the care team, and you never see theirs. You decide, entry by entry, what you want to share with each other.
home-lawful-title = Where this happens
home-lawful-body = These sessions take place only within scientific research or a harm-reduction practice, where that is allowed by law. Taking part is always voluntary, and you can stop at any moment without having to explain why.
crisis-intro = If you are in crisis right now, please contact:
crisis-contacts-title = Help right now

## Signing in
login-title = Sign in
login-submit = Sign in
login-invalid = The email address, password or code is not right. Please try again.
login-code-needed = Please also enter the code from your authenticator app.
login-throttled = Too many attempts. Please wait { $seconds } seconds and try again.
field-email = Email address
field-password = Password
field-name = Name
field-roles = Roles
field-totp = Authenticator code
field-totp-hint = Staff only: the 6-digit code from your authenticator app, or one of your recovery codes.
field-current-password = Current password
field-new-password = New password
field-new-password-hint = At least 12 characters. A few unrelated words make a strong, memorable password.

## Home after sign-in
dashboard-welcome = Welcome, { $name }
dashboard-admin-title = Administration
dashboard-records-title = Your records
dashboard-roles-title = Your roles
role-participant = Participant
role-facilitator = Facilitator
role-clinician = Clinician
role-coordinator = Coordinator
role-researcher = Researcher
role-admin = Administrator

## Account
account-title = Your account
account-must-change = Before you continue, please choose your own password. The one you were given works only once.
account-password-title = Change your password
account-password-submit = Save new password
account-password-changed = Your password has been changed. Other devices have been signed out.
account-totp-title = Authenticator app
account-totp-on = An authenticator app is set up for your account.
account-totp-set-up = Set up an authenticator app
account-everywhere-title = Sign out everywhere
account-everywhere-body = Ends every session of your account, on this device and all others.
account-everywhere-submit = Sign out everywhere

## Authenticator enrolment
totp-title = Set up your authenticator app
totp-intro = Staff accounts are protected by a second step: a code from an app on your phone, such as FreeOTP, Aegis or Google Authenticator.
totp-step-scan = Scan this code with your authenticator app.
totp-step-manual = Or enter this key by hand:
totp-step-code = Type the 6-digit code the app now shows.
totp-qr-alt = QR code for your authenticator app. The same key is written out below for manual entry.
totp-submit = Confirm
recovery-title = Your recovery codes
recovery-intro = Keep these codes somewhere safe, such as a password manager. Each one works once, in place of an authenticator code, if you lose your phone. They are shown only now.
recovery-continue = I have saved my codes

## Staff set-up link
setup-title = Set up your account
setup-intro = Choose a password for your staff account. After this you sign in and set up your authenticator app.
setup-submit = Save password
link-unknown = This link does not work. Check that you copied all of it, or ask for a new one.
link-expired = This link has expired. Ask for a new one.
link-used = This link has already been used. If that was not you, tell your administrator.

## Staff administration
staff-title = Staff accounts
staff-new-title = Add a staff member
staff-create-submit = Create account and send set-up link
staff-created = An account for { $name } was created. A set-up link is on its way by email.
staff-list-title = All staff
staff-state = State
staff-actions = Actions
staff-active = Active
staff-inactive = Deactivated
staff-totp-on = authenticator on
staff-activate = Reactivate
staff-deactivate = Deactivate
staff-save-roles = Save roles
break-glass-title = Emergency access (break glass)
break-glass-none = No emergency access has been used.

## Audit trail
audit-title = Audit trail
audit-when = When (UTC)
audit-actor = Who
audit-action = Action
audit-subject = Concerning
audit-outcome = Outcome
audit-reason = Reason
audit-since = From date
audit-until = Until date
audit-filter = Show

## Access log for participants
access-log-title = Who looked at your records
access-log-intro = Every time someone from the care team opens your records, it is written down. This is that list.
access-log-empty = Nobody from the care team has opened your records yet.
access-log-who = Who
access-log-what = What
access-log-emergency = emergency access

## Errors
error-operation-id = If you contact support, mention this reference:
error-back-home = Back to the start page
error-not_found-title = Not found
error-not_found-body = There is nothing at this address, or it is not available to you.
error-forbidden-title = Not allowed
error-forbidden-body = Your account may not do this. If you think it should, ask your administrator.
error-conflict-title = This cannot be done right now
error-conflict-body = Something has to happen first. Go back and look at the page again.
error-rate_limited-title = Please wait a moment
error-rate_limited-body = There were too many attempts. Wait a little and try again.
error-bad_request-title = Something in the request was not right
error-bad_request-body = Go back and try again. Nothing you entered was saved in a broken state.
error-invalid_input-title = Please check your answers
error-invalid_input-body = Some values need another look.
error-internal-title = Something went wrong on our side
error-internal-body = Nothing you entered was lost. Please try again in a moment.

## Mail
mail-setup-subject = Your staff account at { $practice }
mail-setup-body =
    Hello { $name },

    An account has been created for you at { $practice }.
    Choose your password with this link (valid for { $hours } hours, usable once):

    { $link }

    After that you sign in and set up an authenticator app.
    If you did not expect this mail, you can ignore it.

## First start (printed by the server)
otp-printed = Open { $url } and sign in with this one-time password.

## Mail: sign-up and the duo
mail-verify-subject = Confirm your email address for { $practice }
mail-verify-body =
    Hello { $name },

    Please confirm that this is your email address by opening this link:

    { $link }

    If you did not sign up, you can ignore this mail.
mail-invite-subject = { $inviter } invites you to take part together
mail-invite-body =
    Hello { $name },

    { $inviter } has signed up at { $practice } for a guided duo session and would like to do this together with you.

    Whether you join is entirely your own choice. If you open the link below you can read what it involves, and then join or say no. Saying no is fine; { $inviter } will only hear that it will not go ahead, not why.

    { $link }

    This link works once and for { $days } days.
mail-partner-joined-subject = Your invitation was accepted
mail-partner-joined-body =
    Hello { $name },

    The person you invited has joined. You can each now start your own intake.

    { $link }
mail-duo-stopped-subject = An update about your duo
mail-duo-stopped-body =
    Hello { $name },

    The duo will not go ahead as planned. Your care team can tell you about next steps.

    { $link }
mail-duo-changed-subject = Duo { $code } changed
mail-duo-changed-body =
    Hello { $name },

    Something changed for duo { $code }. Sign in to see it.

    { $link }
mail-message-subject = A message is waiting for you
mail-message-body =
    Hello { $name },

    A new message is waiting for you at { $practice }. For your privacy it is not in this mail; sign in to read it.

    { $link }

## Pair sign-up pages: navigation
nav-messages = Messages
nav-duos = Duos
nav-documents = Documents
footer-nav-label = About taking part
home-read-more = Read before you decide
home-sign-up = Sign up together
dashboard-duos-title = Duos
duos-all = All duos you may see
duos-mine = Only duos I am on the care team of

## Public information
info-nav-label = Information
info-contact-title = Questions?
info-about-title = What a duo session is
info-about-intro = Plain information about duo sessions at { $practice }: what they are, who they may suit, and when another route is wiser.
info-about-what-title = Two people, one guided session
info-about-what-body =
    A duo session is a guided session for two people who know each other well and feel safe with each other: partners, close friends, family members, or others with a long bond. You are in the same room, with the same care team, on the same day.

    Being together does not mean you go through the same thing. Usually some moments are shared and others are each person's own. One of you may turn inward and stay quiet for a long time while the other wants to talk. Both are fine; the team makes room for each.
info-about-together-title = Between an individual and a group session
info-about-together-body =
    In an individual session all the attention is on one person. In a group you share the room with several people you may not know. A duo sits in between: it is private and quiet, and someone you trust is close by.
info-about-why-title = Why people choose to do this together
info-about-why-body =
    Many people say that having someone they trust nearby helps them feel safe when things get intense. It can also help afterwards: you went through a similar period and can understand and support each other while you make sense of it.

    For couples, themes in the relationship can come up, such as how you talk to each other, closeness and distance, or old hurts. Friends and family sometimes come because of a shared loss or event, or simply to understand each other better. You do not need to want to fix something. Wanting to reflect and deepen is a valid reason too.
info-about-suits-title = When it may suit you
info-about-suits-body =
    - You both want this, each for your own reasons, and not mainly for the other.
    - You feel safe with each other, also when things are difficult.
    - You are willing to respect that the other person's experience may be very different from yours.
    - You are 18 or older and able to take part in intake, preparation and the weeks after.
info-about-not-suits-title = When it may not suit you, or not yet
info-about-not-suits-body =
    - You feel pressured to take part, or you mainly do it to help or please the other person.
    - You are afraid of the other person, or there is violence, a lot of conflict, distrust or a strong imbalance between you.
    - You use certain medications or have certain physical or mental health conditions. The care team checks this carefully for each of you; you cannot judge it alone, and neither can this website.
    - One of you needs much more support than a shared session can offer.

    If it does not suit you now, there may be another way: for example individual sessions first, two facilitators instead of one, or a duo later. And saying no is always all right.
info-about-lawful-title = Within research or harm reduction only
info-about-lawful-body = MDMA-assisted sessions take place only within scientific research or a harm-reduction practice, and only where that is lawful. This information is general. It is not personal medical advice.

info-pathway-title = How the pathway goes
info-pathway-intro = A duo session is much more than one day. This is the whole path, step by step, and what each step asks of you.
info-pathway-signup-title = 1. Signing up and the invitation
info-pathway-signup-body = One of you signs up and gives the other person's name and email address. That person gets their own invitation and decides for themselves whether to join, with their own account and their own reasons. Either of you can say no.
info-pathway-intake-title = 2. Intake, each alone
info-pathway-intake-body = Each of you fills in your own questions about your physical and mental health, medication and substance use, your intentions and your relationship. You do this alone. Your partner never sees your answers, and you never see theirs.
info-pathway-screening-title = 3. Screening
info-pathway-screening-body = A clinician looks carefully at both intakes: medication that does not combine well, health conditions, and how things are between you. They decide, with reasons, whether a duo session is responsible, and in which form. Sometimes the answer is individual sessions first, or not now.
info-pathway-preparation-title = 4. Preparation
info-pathway-preparation-body =
    You meet the people who will guide you, alone and together. You talk about your intentions, your boundaries, and how you want to be with each other on the day: touch and closeness, music or silence, taking time out, what to do when something gets hard, and how much you want to share afterwards.

    You write these agreements down together and each of you signs them. You can change your mind and take back consent at any moment.
info-pathway-session-title = 5. The session day
info-pathway-session-body = A quiet, private place, plenty of time, and a care team with you all day. The team can move between guiding you together and short moments with one of you alone, as needed. Keep the day after free: rest matters.
info-pathway-integration-title = 6. Integration
info-pathway-integration-body = In the weeks after, you make sense of what you went through and bring it into daily life, in meetings alone and together. It helps to sort out what is yours, what is the other person's, and what belongs to you both. You can keep a journal and decide, entry by entry, what to share.
info-pathway-aftercare-title = 7. Aftercare
info-pathway-aftercare-body = For some time after, the team checks in with each of you with short questions. If something worries you or them, they get in touch.
info-pathway-stopping-title = Stopping is always possible
info-pathway-stopping-body = Each of you can stop at any step without explaining why. The other person then hears only that the pathway has stopped, never your reasons.

info-expect-title = What to expect
info-expect-intro = Honest expectations help. Here is what a duo session can and cannot do.
info-expect-can-title = What it can bring
info-expect-can-body = Many people describe the experience as connecting and deepening, partly because they went through something intense with someone they trust nearby. It can make room for conversations that felt too hard before, and for understanding each other in a new way.
info-expect-cannot-title = What it cannot promise
info-expect-cannot-body =
    - It is not a cure, and it does not solve problems in your relationship by itself.
    - Difficult feelings and memories can come up, during the session and after it.
    - Nobody can predict how a session will go, not even with the same intention.
    - The work afterwards, alone and together, matters at least as much as the day itself.
info-expect-different-title = You may each experience something very different
info-expect-different-body = Some pairs find they were close all day; others find their experiences went in quite different directions, or that they need to adjust what they expected. That is not a failure. It asks for openness, patience and respect for each other's process.
info-expect-research-title = What research does and does not say
info-expect-research-body = Research into MDMA-assisted therapy has mostly looked at individual treatment in clinical settings. Much less is known about sessions for two people. That does not mean they are unsuitable, but it does mean claims about results should be made with great care. Stories from other people can be recognisable, but they do not predict what will happen for you.

info-safety-title = Safety and harm reduction
info-safety-intro = Safety comes first at every step: screening, the setting, the guidance and the care afterwards.
info-safety-framework-title = Only within a careful framework
info-safety-framework-body = Sessions take place only within scientific research or a harm-reduction practice, where that is lawful, with intake, screening and preparation beforehand. Do not try this on your own.
info-safety-screening-title = Medication and health are checked
info-safety-screening-body = Some medications and some physical or mental health conditions make a session riskier or unsafe. A clinician checks this for each of you before anything is planned. Please be complete and honest in your intake, including about medication, supplements and other substances; what you say stays with the care team.
info-safety-setting-title = A safe setting
info-safety-setting-body = A calm, private room, enough time, and trained people with you throughout. Before the day you agree on how you want to be together, including touch, closeness and sharing, and each of you can take back consent at any moment.
info-safety-relational-title = Safety between the two of you
info-safety-relational-body = Old patterns can show up, such as wanting to please, avoiding conflict, or wanting control. Talk beforehand about how you will handle hard moments and what each of you needs. If you do not feel safe with the other person, tell the care team privately; they will not pass it on.
info-safety-after-title = Rest and recovery
info-safety-after-body = Keep time free afterwards. Too many impressions, too little sleep and a full diary do not help. Agree together on how and when you will talk about the experience.
info-safety-stop-title = You can always stop
info-safety-stop-body = You can stop at any moment, before or during the pathway, without giving a reason. If you stop, your partner learns only that the pathway has stopped.

## Consent documents
doc-kind-terms = Participation terms
doc-kind-privacy = Privacy notice
doc-kind-research = Consent to research use
doc-version = Version
doc-effective = In effect from
doc-method-sign_up = when signing up
doc-method-invitation = when joining by invitation
doc-method-re-accept = accepted again after a new version
admin-docs-title = Consent documents
admin-docs-intro = The versions in effect now. Publishing a new version of the participation terms or the privacy notice asks every participant to read and accept it at their next visit; earlier acceptances stay on record.
admin-docs-current = In effect now
admin-docs-kind = Document
admin-docs-doc-title = Title
admin-docs-new = Publish a new version
admin-docs-new-intro = Write the complete text. Leave a blank line between paragraphs; lines starting with "- " become a list.
admin-docs-version-hint = A short label, for example 2 or 2026-03. Each version can be published once.
admin-docs-body = Text
admin-docs-body-hint = The full text people will read and accept.
admin-docs-effective-hint = Leave empty to put it into effect now.
admin-docs-publish = Publish this version
admin-docs-published = { $title }, version { $version }, has been published.

## Sign-up
signup-title = Sign up together
signup-intro = You sign up first and invite the other person. They get their own invitation and decide for themselves whether to join. Nothing here commits you to a session: a careful check of whether it is safe and suitable comes first.
signup-read-first = Please read this first:
signup-you-title = About you
field-your-name = Your name
signup-email-hint = We send a link to confirm it. Emails never contain health information.
signup-password-again = For your safety, please type your password again.
field-age = I am 18 years or older.
signup-together-title = The two of you
field-relationship = How do you know each other?
relationship-couple = We are a couple
relationship-friends = We are friends
relationship-family = We are family
relationship-other = Another relationship
field-motivation = Why would you like to take part?
field-motivation-hint = Your own reasons, in your own words. A few sentences are enough. Only the care team reads this; the other person never sees it.
field-motivation-hint-join = Your own reasons, in your own words, not the other person's. A few sentences are enough. Only the care team reads this; the other person never sees it.
signup-partner-title = Who you would like to take part with
signup-partner-intro = We send this person an invitation by email. They decide for themselves; if they say no, you hear only that it will not go ahead, not why.
field-partner-name = Their name
field-partner-email = Their email address
signup-documents-title = Terms and privacy
field-accept-documents = I have read and accept the participation terms and the privacy notice.
signup-research-title = Research (optional)
signup-research-hint = Separate from your care: saying no changes nothing about the care you get, and you can change your mind later.
field-research = Yes, my answers may be used for research, without my name.
signup-submit = Sign up and send the invitation
signup-have-account = Already have an account?

## Email verification
verify-title = Confirm your email address
verify-intro = Press the button to confirm that this email address is yours.
verify-submit = Confirm my email address
verify-expired = This confirmation link has expired. Sign in and ask for a new one.
verify-used = This confirmation link has already been used. If your address is confirmed, you can simply sign in.
verify-continue = Continue
verify-done-title = Thank you, your email address is confirmed
verify-done-body = You can now continue. We will let you know by email when there is something new for you, without any health information in the mail.
check-email-title = Check your email
check-email-sent = A new link is on its way.
check-email-body = We sent a link to { $email }. Open it to confirm that this address is yours; after that you can continue.
check-email-partner = The invitation to the other person has been sent as well.
check-email-none-title = No email?
check-email-none-body = Look in your spam folder, or ask for a new link. Only the newest link works.
check-email-resend = Send a new link

## The invitation
join-problem-title = This invitation cannot be used
join-expired = This invitation has expired. If you would still like to take part, ask the person who invited you to send a new one.
join-used = This invitation has already been answered, or it was withdrawn. If you already joined, you can sign in.
join-title = Your invitation
join-heading = { $inviter } invites you to take part together
join-intro = { $inviter } has signed up for a guided duo session and would like to do this with you ({ $relationship }).
join-what-title = What this means
join-what-body = A duo session is a guided MDMA-assisted session for two people, within research or a harm-reduction practice. Before anything is planned, each of you fills in your own intake and a clinician checks carefully whether it is safe and suitable.
join-own-choice = Whether you join is entirely up to you. Please only join if you want this yourself, not mainly for the other person.
join-wall = What you tell the care team stays between you and them. The person who invited you never sees your answers, and you never see theirs.
join-form-title = Join with your own account
join-email = Your account will use the address this invitation was sent to: { $email }
join-submit = Join
join-decline-title = Not for you?
join-decline-body = That is completely fine. { $inviter } will only hear that it will not go ahead, not why.
join-decline-link = I do not want to take part
decline-title = Say no to this invitation
decline-body = If you say no, { $inviter } hears only that it will not go ahead. Nothing else is shared, and you do not have to give a reason.
decline-submit = Yes, I do not want to take part
decline-back = Go back to the invitation
declined-title = You have said no
declined-body = Thank you for letting us know. The invitation is now closed and the link no longer works.
declined-later = If you change your mind later, the other person can sign up again and send a new invitation.

## Participant home
step-invited = Invitation
step-intake = Intake, each alone
step-screening = Screening
step-preparation = Preparation
step-scheduled = Session planned
step-session = Session day
step-integration = Integration
step-aftercare = Aftercare
phase-now-invited = You have signed up. We are waiting for the person you invited to answer.
phase-now-intake = You are both in. Each of you now fills in your own intake, alone.
phase-now-screening = Your intakes are complete. A clinician is looking at them carefully.
phase-now-preparation = You are preparing for the session with your care team.
phase-now-scheduled = Your session day has been planned.
phase-now-session = Today is your session day.
phase-now-integration = You are in the weeks after the session: making sense of it, alone and together.
phase-now-aftercare = You are in aftercare. The team checks in with you from time to time.
phase-now-paused = Your pathway is paused for now.
phase-now-stopped = Your pathway has stopped.
phase-next-invited = When they join, each of you starts your own intake. You can send the invitation again or call it off below.
phase-next-intake = Take your time with the questions; you can stop and come back later. Your answers are only for the care team, never for your partner.
phase-next-screening = The clinician decides whether a duo session is responsible, and in which form. Your care team will tell you the outcome.
phase-next-preparation = Meetings, alone and together, and your shared agreements for the day. Your care team plans these with you.
phase-next-scheduled = Prepare as agreed and keep the day after free. If anything changes for you, send your care team a message.
phase-next-session = Your care team is with you all day.
phase-next-integration = Integration meetings, and if you like, a journal in which you decide what to share.
phase-next-aftercare = Short check-ins. If something worries you, send your care team a message at any time.
phase-next-paused = Your care team will contact you about what happens next.
phase-next-stopped = Your care team will contact you about what happens next. You can still read your messages and documents here.
home-documents-pending = There is a new version of a document for you to read and accept.
home-where-title = Where you are now
home-intake-link = Go to your intake
home-step-now = now
home-step-done = done
home-next-title = What comes next
home-together-with = You take part together with
home-invitation-title = Your invitation
invitation-waiting = We are waiting for { $name } to answer.
invitation-joined = { $name } has joined.
invitation-will-not-go-ahead = The invitation to { $name } will not go ahead.
home-invitation-waiting-hint = The link in their email works once and for a limited time. Sending it again makes the old link stop working.
invitation-resend = Send the invitation again
invitation-cancel = Call off the invitation
invitation-resent = The invitation has been sent again. Only the new link works.
invitation-not-open = This invitation is no longer open.
invitation-cancelled = The invitation has been called off.
cancel-title = Call off the invitation?
cancel-body = { $name } will no longer be able to join with the link we sent. This also stops your sign-up; you can sign up again later.
cancel-submit = Yes, call it off
confirm-back = No, go back
home-yours-title = Yours
home-messages-hint = only between you and your care team
home-stop-title = Stopping
home-stop-body = You can stop at any moment, without explaining why.
home-stop-link = Stop taking part

## Stopping
withdraw-title = Stop taking part
withdraw-intro = You can stop at any moment. You do not have to explain why. If you would rather pause or talk first, you can also send your care team a message.
withdraw-who-title = What happens if you stop
withdraw-who-team = Your care team is told that you stopped. Only they can read the reason, if you give one.
withdraw-who-partner = The other person is told only that the pathway has stopped: not who stopped it, and not why.
withdraw-who-kept = Nothing is deleted. Your care team will contact you about what happens next, for example whether continuing on your own is possible.
withdraw-reason = Your reason (optional)
withdraw-reason-hint = Only your care team can read this.
withdraw-confirm = Yes, I want to stop taking part.
withdraw-confirm-missing = Tick the box to confirm that you want to stop.
withdraw-submit = Stop taking part
withdraw-talk-first = Not sure yet?
withdraw-done = You have stopped taking part. Your care team has been told and will contact you.

## Documents for participants
my-docs-title = Your documents
my-docs-intro = The versions of the documents you accepted, and when. Earlier versions stay on record.
my-docs-none = You have not accepted any documents yet.
my-docs-accepted-on = Accepted on
my-docs-how = How
my-docs-read-current = Read the current versions:
review-title = Please read the new version
review-intro = A document has changed since you last accepted it. Please read the new text before you continue.
review-questions = If something is unclear, you can ask your care team after accepting, or sign out and contact the practice.
review-accept = I have read and accept these documents

## Messages
messages-title = Messages
messages-intro = A private conversation between you and your care team. Your partner never sees these messages.
messages-empty = No messages yet.
messages-care-team = care team
messages-new = Your message
messages-new-hint = We let the other side know by email that a message is waiting; the message itself is never in the email.
messages-send = Send
messages-team-title = Messages with { $name }
messages-team-intro = The private thread between this participant and the care team. Their partner never sees it.
messages-back-to-duo = Back to the duo

## Duos for the care team
phase-invited = Invited
phase-intake = Intake
phase-screening = Screening
phase-preparation = Preparation
phase-scheduled = Scheduled
phase-session = Session day
phase-integration = Integration
phase-aftercare = Aftercare
phase-closed = Closed
phase-withdrawn = Withdrawn
phase-declined = Declined
phase-paused = Paused
invitation-short-waiting = waiting
invitation-short-joined = joined
invitation-short-will_not_go_ahead = will not go ahead
event-partner_joined = partner joined
event-invitation_declined = invitation declined
event-invitation_expired = invitation expired
event-intakes_submitted = both intakes submitted
event-screening_decided = screening decided
event-rescreen = screening reopened
event-session_booked = session booked
event-session_cancelled = session cancelled
event-session_started = session started
event-session_closed = session ended
event-next_session = next session
event-integration_done = integration done
event-close = closed
event-withdraw = a participant withdrew
event-pause = paused
event-resume = resumed
duos-title = Duos
duos-search = Search
duos-search-hint = A name, email address or pseudonymous code.
duos-phase = Phase
duos-phase-any = Any phase
duos-show = Show
duos-none = No duos match.
duos-code = Code
duos-names = Participants
duos-days = Days in phase
duos-invitation = Invitation
duos-pages = Pages of the list
duos-prev = Previous page
duos-next = Next page
duos-page = Page { $page }
duo-title = Duo
duo-back = Back to all duos
duo-break-glass-active = You are looking at this duo with emergency access. Everything you open is recorded and flagged.
duo-days-suffix = days in this phase
duo-team = Care team
duo-intake = Intake
duo-team-none = No care team assigned yet.
duo-assign-title = Assign the care team
duo-assign-intro = Choose the facilitators and the clinician for this duo. Only active staff with that role are listed.
duo-facilitators = Facilitators
duo-clinicians = Clinicians
duo-nobody-with-role = Nobody on the staff has this role yet.
duo-assign-submit = Save the care team
duo-team-saved = The care team has been saved.
duo-break-glass-granted = Emergency access has been granted for a limited time. It is recorded and flagged.
duo-timeline = Timeline
duo-event = What happened
duo-from = From
duo-to = To
duo-withdrawals = Withdrawals
duo-withdrawals-private = Only the care team sees this. Never share who withdrew, or why, with the other participant.
duo-no-reason = no reason given
break-glass-not-on-team = You are not on this duo's care team, so its records are closed to you.
break-glass-warning = Use emergency access only when someone's safety depends on it now. You get read-only access for a limited time. Your name, the time and your reason are recorded and flagged, administrators see them, and whatever you open appears in the participant's own access log.
break-glass-reason = Why do you need access now?
break-glass-reason-hint = 10 to 1000 characters.
break-glass-submit = Open with emergency access
