"""A small OpenID Connect provider for the browser test: authorization code with PKCE
(S256 only), one user, ID tokens signed RS256 with a key made for the run. It checks what a
real provider checks (client, redirect URI, single-use codes, the verifier against the
challenge) so that a portal that skipped a step would fail here too."""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

CLIENT_ID = "dossier-portal"


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def number(value):
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


class IdentityProvider:
    """Serves /authorize and /token on a free loopback port; `user` is who signs in."""

    def __init__(self, portal_origin, user):
        self.portal_origin = portal_origin
        self.user = user
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes = {}
        self.exchanged = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def do_GET(self):
                provider.authorize(self)

            def do_POST(self):
                provider.token(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def jwks(self):
        public = self.key.public_key().public_numbers()
        return json.dumps({"keys": [{"kty": "RSA", "kid": "test", "alg": "RS256", "use": "sig",
                                     "n": number(public.n), "e": number(public.e)}]})

    def settings(self):
        """The local server's variables for this provider."""
        return {
            "JWT_ISSUER": self.base, "JWT_AUDIENCE": CLIENT_ID, "JWT_JWKS": self.jwks,
            "OIDC_AUTHORIZATION_URL": f"{self.base}/authorize", "OIDC_TOKEN_URL": f"{self.base}/token",
        }

    def authorize(self, request):
        url = urlparse(request.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        valid = (url.path == "/authorize" and query.get("response_type") == "code"
                 and query.get("client_id") == CLIENT_ID
                 and query.get("redirect_uri") == f"{self.portal_origin}/staff/callback"
                 and query.get("code_challenge_method") == "S256" and len(query.get("code_challenge", "")) == 43
                 and query.get("state") and "openid" in query.get("scope", "").split())
        if not valid:
            request.send_error(400, "bad authorization request")
            return
        code = secrets.token_urlsafe(24)
        self.codes[code] = (query["code_challenge"], query["redirect_uri"])
        request.send_response(302)
        request.send_header("location", f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}")
        request.end_headers()

    def token(self, request):
        length = int(request.headers.get("content-length", 0))
        form = {name: values[0] for name, values in parse_qs(request.rfile.read(length).decode()).items()}
        challenge, redirect_uri = self.codes.pop(form.get("code"), (None, None))
        verifier = form.get("code_verifier", "")
        valid = (urlparse(request.path).path == "/token" and challenge is not None
                 and form.get("grant_type") == "authorization_code" and form.get("client_id") == CLIENT_ID
                 and form.get("redirect_uri") == redirect_uri
                 and b64url(hashlib.sha256(verifier.encode()).digest()) == challenge)
        if valid:
            self.exchanged.append(form["code"])
            status, body = 200, {"id_token": self.id_token(), "token_type": "Bearer", "expires_in": 3600}
        else:
            status, body = 400, {"error": "invalid_grant"}
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("content-type", "application/json")
        request.send_header("content-length", str(len(data)))
        # The portal calls from its own origin, as it would call Cognito's.
        request.send_header("access-control-allow-origin", self.portal_origin)
        request.end_headers()
        request.wfile.write(data)

    def id_token(self):
        now = int(time.time())
        header = {"alg": "RS256", "kid": "test", "typ": "JWT"}
        claims = {"iss": self.base, "aud": CLIENT_ID, "sub": self.user["sub"], "agency": self.user["agency"],
                  "cognito:groups": self.user["groups"], "iat": now, "exp": now + 3600, "token_use": "id"}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def stop(self):
        self.server.shutdown()
