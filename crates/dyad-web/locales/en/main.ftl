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
