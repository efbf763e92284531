# dyad — English, the screening pages. The same ids as nl/screening.ftl.

## The clinician's review
screening-title = Screening of duo
screening-back-to-duo = Back to the duo
screening-duo-link = Screening
screening-duo-open = Findings and decision
screening-audited = Opening this page is recorded in the audit trail.
screening-support-title = dyad supports your professional judgement; it does not replace it.
screening-support-body = The findings below come from fixed rules over both intakes, each with its source. They can be incomplete or wrong for this person. You decide, and you sign for your decision.
screening-findings-title = Findings
screening-findings-intro = Each person's findings are shown separately, the most serious first. Findings about the duo as a whole follow below.
screening-person-waiting = This person has not submitted an intake yet; there are no findings for them.
screening-person-none = No findings from the rules for this person.
screening-person-count = { $count ->
    [one] One finding
   *[other] { $count } findings
}
screening-intake-link = Open this person's intake
screening-duo-findings-title = Findings about the duo as a whole
screening-duo-findings-none = No findings about the duo as a whole.

## Severity, evidence and marks
screening-severity-exclusion = Exclusion
screening-severity-exclusion-hint = not eligible while this holds
screening-severity-contraindication = Contraindication
screening-severity-contraindication-hint = no session while this holds; it may be resolvable
screening-severity-caution = Caution
screening-severity-caution-hint = needs a plan before a session
screening-severity-info = Information
screening-severity-info-hint = worth knowing, no action implied
screening-evidence-v = verified in a public copy of the source
screening-evidence-s = secondary source only
screening-evidence-u = not verified in a public copy; not presented as fact
screening-mark-review = Needs your review
screening-mark-washout = Washout needed
screening-finding-action = Recommended action
screening-finding-answer = The answer behind it
screening-finding-answer-link = see the intake
screening-finding-source = Source
screening-finding-evidence = Evidence
screening-finding-code = Rule

## The recommended format
screening-recommended-title = Recommended format
screening-recommended-reasons = Why
screening-recommended-no-reasons = No finding points to another format.
screening-recommended-not-decision = This is a recommendation from the rules, not a decision.
screening-knowledge-version = Knowledge version

## Formats
screening-format-duo = Duo session
screening-format-duo-description = Both together, with the usual care team.
screening-format-duo-two-facilitators = Duo session with two facilitators
screening-format-duo-two-facilitators-description = Both together, with a second facilitator so each person can have one-on-one support.
screening-format-individual-then-duo = Individual first, then duo
screening-format-individual-then-duo-description = Each person first has an individual track; a duo session may follow later.
screening-format-individual-only = Individual only
screening-format-individual-only-description = No duo session; an individual track only.
screening-format-not-eligible = Not eligible
screening-format-not-eligible-description = No session for now; the duo is closed with care and both people are contacted.

## Signed decisions
screening-decisions-title = Signed decisions
screening-decisions-none = No decision has been signed yet.
screening-decision-in-force = in force
screening-decision-earlier = earlier decision, kept on record
screening-decision-rationale = Rationale
screening-decision-signed-by = Signed by
screening-decision-signed-at = Signed at (UTC)
screening-decision-meaning = Meaning of the signature
screening-signed = Your decision is signed and recorded. Both participants were told the same neutral outcome.

## The decision form
screening-decide-title = Your decision
screening-decide-intro = Choose a format, write down why in your own words, and sign by entering your password again.
screening-decide-again = A new decision does not erase the earlier one: both stay on record, and the newest is in force.
screening-decide-format = Format
screening-decide-recommended = recommended by the rules
screening-decide-rationale = Rationale
screening-decide-rationale-hint = Required, at least { $min } characters. Only the care team can read it; the participants never see it.
screening-decide-meaning-title = By signing you declare:
screening-sign-meaning = I have reviewed both intakes and the findings, and I take this decision under my professional responsibility.
screening-decide-meaning-recorded = Recorded with your signature in English:
screening-decide-password = Your password (electronic signature)
screening-decide-password-hint = The password you sign in with. It is checked and never stored with the decision.
screening-decide-submit = Sign the decision
screening-error-format = Choose one of the formats.
screening-error-rationale = Write the rationale in { $min } to { $max } characters.
screening-error-password = This is not your password. Your signature needs your current password.
screening-not-open-waiting = A decision can be signed once both people have submitted their intake.
screening-not-open-phase = No screening decision can be taken while the duo is in the phase "{ $phase }".
screening-conflict-title = The decision was not recorded
screening-conflict-changed = The duo changed while you were deciding. Read the page again and sign once more.

## What the participants see
screening-outcome-title = After screening
screening-outcome-pending = Your team is looking at everything carefully. You will hear from them; there is nothing you need to do now.
screening-outcome-go-on-to-preparation = You can go on to preparation. Your care team will plan the next meetings with you.
screening-outcome-team-will-contact = Your team will contact you about next steps. If you want to ask something in the meantime, send them a message.
