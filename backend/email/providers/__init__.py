"""How a message reaches a provider: Gmail (API), Outlook (Microsoft Graph), any SMTP
server (with IMAP for the Sent folder, or not). One :class:`~.base.Transport` each."""
