"""The pinned moto server with IAM enforcement usable from the AWS SDK for Rust.

moto 5.2.5 recomputes each request's SigV4 signature to check it, and gets it wrong for every
body-less REST GET (API Gateway, Lambda GetFunction, ...): it answers SignatureDoesNotMatch even
to boto3. This wrapper skips only that comparison. Everything else of moto's enforcement stays:
the access key must exist in moto's IAM (an unknown key is refused with InvalidClientTokenId),
and every action is checked against the caller's policies.

Enforcement starts once INITIAL_NO_AUTH_ACTION_COUNT requests have run (unset: never), or at once
after `POST /moto-api/reset-auth` with body `0`, which is how the tests switch it on after their
set-up. Arguments are moto_server's: scripts/moto-iam-server.py -H 127.0.0.1 -p 5000
"""

import sys

from moto.iam.access_control import IAMRequestBase

# The access key is looked up in IAMRequestBase.__init__, before this would run: unknown keys
# are still refused.
IAMRequestBase.check_signature = lambda self: None

from moto.server import main  # noqa: E402  (after the patch, so every request sees it)

if __name__ == "__main__":
    sys.exit(main())
