# Fails closed: the controller must serve the committed certificate (bootstrap/sealed-secrets.crt),
# or SealedSecrets sealed with it will not decrypt. Certificates are compared by their base64 DER
# body, so PEM line wrapping does not matter. Bounded: about 5 minutes of retries to reach the
# controller, no retry on a mismatch (that does not fix itself).
set -u
body() { sed '/^-----/d' | tr -d ' \r\n'; }
want=$(printf '%s\n' "$EXPECTED_CERT" | body)
attempt=0
while [ "$attempt" -lt 30 ]; do
  if live=$(wget -q -T 5 -O - "$CERT_URL"); then
    got=$(printf '%s\n' "$live" | body)
    if [ -n "$got" ] && [ "$got" = "$want" ]; then
      echo "slipway: OK: the sealed-secrets controller's active key is the committed certificate's key (SHA-256 $EXPECTED_FINGERPRINT)"
      exit 0
    fi
    echo "slipway: KEY MISMATCH: $CERT_URL serves a certificate that is not bootstrap/sealed-secrets.crt (SHA-256 $EXPECTED_FINGERPRINT). SealedSecrets sealed with the committed certificate will not decrypt. The controller probably generated its own key because the bootstrap key Secrets were missing when it started: import them (slipway userdata on the first server, or kubectl apply the key Secrets), delete the generated key Secret, and restart the controller." >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 10
done
echo "slipway: cannot fetch $CERT_URL after $attempt attempts: is the sealed-secrets controller running?" >&2
exit 1
