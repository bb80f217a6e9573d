#!/usr/bin/env python3
"""An SMTP relay for the tests that requires STARTTLS and then AUTH: on 127.0.0.1:PORT,
accepts the login USER / the password in PASSWORD_FILE, writes each message into the
maildir MAILDIR and every AUTH attempt's outcome to MAILDIR.auth.log."""
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult

port, maildir, user, password_file, cert, key = sys.argv[1:7]
with open(password_file, "rb") as f:
    password = f.read().rstrip(b"\r\n")


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == user.encode() and auth_data.password == password
    with open(maildir + ".auth.log", "a") as log:
        log.write(f"{mechanism} {'ok' if ok else 'refused'}\n")
    return AuthResult(success=ok)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(
    Mailbox(maildir),
    hostname="127.0.0.1",
    port=int(port),
    tls_context=context,
    require_starttls=True,
    authenticator=authenticator,
    auth_required=True,
    auth_require_tls=True,
)
controller.start()
while True:
    time.sleep(3600)
