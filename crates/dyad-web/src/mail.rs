//! Outgoing mail: SMTP when configured, otherwise `.eml` files in the outbox folder.
//! Every mail has a plain-text part; no mail ever carries clinical content.

use std::path::PathBuf;
use std::sync::Arc;

use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

#[derive(Clone)]
pub enum Mailer {
    Outbox {
        dir: PathBuf,
        from: Mailbox,
    },
    Smtp {
        transport: Arc<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
}

/// One mail to send.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail address: {0}")]
    Address(String),
    #[error("mail: {0}")]
    Build(String),
    #[error("mail transport: {0}")]
    Transport(String),
    #[error("outbox: {0}")]
    Io(#[from] std::io::Error),
}

impl Mailer {
    pub fn outbox(dir: PathBuf, from: &str) -> Result<Self, MailError> {
        Ok(Mailer::Outbox {
            dir,
            from: from
                .parse()
                .map_err(|e| MailError::Address(format!("{e}")))?,
        })
    }

    /// An SMTP transport from a URL such as `smtps://user:pass@host:465` or
    /// `smtp://host:25?tls=required`.
    pub fn smtp(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Transport(e.to_string()))?
            .build();
        Ok(Mailer::Smtp {
            transport: Arc::new(transport),
            from: from
                .parse()
                .map_err(|e| MailError::Address(format!("{e}")))?,
        })
    }

    fn build(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| MailError::Address(format!("{e}")))?;
        Message::builder()
            .from(from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| MailError::Build(e.to_string()))
    }

    /// Sends a mail with an iCalendar invitation attached (`invite.ics`).
    pub async fn send_with_calendar(&self, mail: &Mail, ics: &str) -> Result<(), MailError> {
        use lettre::message::{Attachment, MultiPart, SinglePart};
        let from = match self {
            Mailer::Outbox { from, .. } | Mailer::Smtp { from, .. } => from.clone(),
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| MailError::Address(format!("{e}")))?;
        let calendar = ContentType::parse("text/calendar; method=REQUEST; charset=utf-8")
            .map_err(|e| MailError::Build(e.to_string()))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject.clone())
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(mail.text.clone()))
                    .singlepart(
                        Attachment::new("invite.ics".into()).body(ics.to_string(), calendar),
                    ),
            )
            .map_err(|e| MailError::Build(e.to_string()))?;
        self.deliver(message).await
    }

    async fn deliver(&self, message: Message) -> Result<(), MailError> {
        match self {
            Mailer::Outbox { dir, .. } => {
                tokio::fs::create_dir_all(dir).await?;
                let name = format!("{}.eml", uuid::Uuid::now_v7());
                let tmp = dir.join(format!(".{name}.tmp"));
                tokio::fs::write(&tmp, message.formatted()).await?;
                tokio::fs::rename(&tmp, dir.join(name)).await?;
            }
            Mailer::Smtp { transport, .. } => {
                transport
                    .send(message)
                    .await
                    .map_err(|e| MailError::Transport(e.to_string()))?;
            }
        }
        metrics::counter!("dyad_mails_sent_total").increment(1);
        Ok(())
    }

    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        match self {
            Mailer::Outbox { dir, from } => {
                let message = Self::build(from, mail)?;
                tokio::fs::create_dir_all(dir).await?;
                let name = format!("{}.eml", uuid::Uuid::now_v7());
                let tmp = dir.join(format!(".{name}.tmp"));
                tokio::fs::write(&tmp, message.formatted()).await?;
                // Rename so a reader never sees half a mail.
                tokio::fs::rename(&tmp, dir.join(name)).await?;
            }
            Mailer::Smtp { transport, from } => {
                let message = Self::build(from, mail)?;
                transport
                    .send(message)
                    .await
                    .map_err(|e| MailError::Transport(e.to_string()))?;
            }
        }
        metrics::counter!("dyad_mails_sent_total").increment(1);
        Ok(())
    }
}
