"""Email over SMTP (the standard library's smtplib)."""
