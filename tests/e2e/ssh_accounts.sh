# SSH front door and local accounts (issue: SSH and accounts), with the real
# OpenSSH client against a whole appliance on free ports and a temp state dir:
# banner before the password prompt, lockout and unlock, password policy,
# public key login, exec exit codes, a cipher outside the allowed set, the
# session limit, show users / clear line, and 200 concurrent connections.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
WORK=$(mktemp -d /tmp/sentry-ssh.XXXXXX)
HELD=()
cleanup() {
    for p in "${HELD[@]}"; do kill "$p" 2>/dev/null || true; done
    cleanup_appliance
    rm -rf "$WORK"
}
trap cleanup EXIT

# Console session (root on the box: trusted, never locked out), privileged.

# ssh_as USER PASSWORD COMMAND : one password attempt, exec channel.
ssh_as() {
    local user=$1 pw=$2
    shift 2
    SSH_ASKPASS="$SENTRY_SRC/tests/e2e/fixtures/askpass.sh" SSH_ASKPASS_REQUIRE=force ASKPASS_PW="$pw" \
        ASKPASS_LOG="" DISPLAY=:0 timeout 30 setsid ssh "${SSH_OPTS[@]}" -o PreferredAuthentications=password \
        "$user@127.0.0.1" "$@" </dev/null
}
login_exp() {  # login_exp USER PASSWORD BANNER_RE ok|denied
    expect "$SENTRY_SRC/tests/e2e/fixtures/ssh_login.exp" "$SSH_PORT" "$@" >"$WORK/exp.log" 2>&1 ||
        { cat "$WORK/exp.log"; return 1; }
}

start_appliance

# 1. Users and the password policy (messages name the rule).
out=$(priv --continue <<EOF2 2>&1
configure terminal
password-policy min-length 15
password-policy character-classes 4
username bob password
short
short
username bob password
Bob-secret-pass-1
Bob-secret-pass-1
end
EOF2
) || true
grep -q '% Configuration failed: password-policy min-length: the password must have at least 15 characters' <<<"$out" ||
    fail "policy violation message: $out"
grep -c '^%' <<<"$out" | grep -qx 1 || fail "only the short password should be refused: $out"
running=$(priv <<<'show running-config')
grep -q '^username bob secret hash \$y\$' <<<"$running" || fail "bob not rendered with his hash: $running"
grep -qx 'password-policy min-length 15' <<<"$running" || fail "policy not rendered: $running"
grep -q 'username bob secret \*\*\*' <<<"$(cli -c 'show running-config')" || fail "level 1 sees the hash"
echo "ok - password policy refuses with the rule's name; users render with their hash at level 15 only ($SECONDS s)"

# The reference's administrator line (spec #133): the password on the line,
# policy-checked, masked in history and in the audit trail.
out=$(priv <<<$'configure terminal\nsystem user carol Carol-secret-pass-2\nend\nshow history') ||
    fail "system user: $out"
grep -q '^username carol secret hash \$y\$' <<<"$(priv <<<'show running-config')" || fail "carol not created"
grep -q 'system user carol \*\*\*' <<<"$out" || fail "history does not mask the password: $out"
! grep -q 'Carol-secret-pass-2$' <<<"$(grep -v '#system user' <<<"$out")" || fail "password in history: $out"
audit=$(priv <<<'show audit')
grep -q 'system user carol \*\*\*' <<<"$audit" || fail "audit line not masked: $audit"
! grep -q 'Carol-secret-pass-2' <<<"$audit" || fail "password in the audit trail"
echo "ok - system user sets a policy-checked password, masked in history and audit ($SECONDS s)"

# 2. The DoD banner comes before the password prompt.
out=$(priv <<<$'configure terminal\nbanner login dod\nend') || fail "banner login dod: $out"
login_exp bob Bob-secret-pass-1 "You are accessing a U.S. Government" ok || fail "banner/login session"
# A multi-line banner in the delimiter form.
out=$(priv <<'EOF2'
configure terminal
banner login ^C
Lab appliance: authorised staff only.
  Second line, indented.
^C
end
EOF2
) || fail "banner login ^C: $out"
running=$(priv <<<'show running-config')
grep -A3 -x 'banner login ^C' <<<"$running" | tr '\n' '|' |
    grep -qF 'banner login ^C|Lab appliance: authorised staff only.|  Second line, indented.|^C|' ||
    fail "multi-line banner not rendered: $running"
login_exp bob Bob-secret-pass-1 "authorised staff only.\r?\n  Second line" ok || fail "multi-line banner before the prompt"
echo "ok - login banner (DoD preset and multi-line) before the password prompt ($SECONDS s)"

# 3. Lockout: 3 wrong passwords lock bob; the right one is refused; the admin unlocks.
for i in 1 2 3; do
    rc=0; ssh_as bob "wrong-password-$i" 'show version' >/dev/null 2>&1 || rc=$?
    [ "$rc" = 255 ] || fail "wrong password $i: rc $rc"
done
login_exp bob Bob-secret-pass-1 "authorised staff only" denied || fail "locked account was let in"
locked=$(priv <<<'show users locked')
grep -q '^bob  *3 ' <<<"$locked" || fail "show users locked: $locked"
audit=$(priv <<<'show audit last 20')
grep -q 'lockout' <<<"$audit" || fail "no lockout audit record: $audit"
out=$(priv <<<'clear users locked bob') || fail "clear users locked: $out"
grep -q 'Account bob unlocked' <<<"$out" || fail "unlock message: $out"
login_exp bob Bob-secret-pass-1 "authorised staff only" ok || fail "login after unlock"
echo "ok - 3 failures lock the account, the right password is refused, the admin unlocks ($SECONDS s)"

# 4. Exec channel exit codes; a cipher outside the allowed set; public key login.
out=$(ssh_as bob Bob-secret-pass-1 'show version') || fail "exec show version: $out"
rc=0; ssh_as bob Bob-secret-pass-1 'show bogus' >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "parse error over exec: rc $rc"
rc=0; ssh_as bob Bob-secret-pass-1 'enable' >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a failed command over exec: rc $rc"
# (LogLevel INFO: "Unable to negotiate" is an INFO message of the client.)
rc=0; err=$(timeout 30 ssh -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o BatchMode=yes -c aes128-cbc bob@127.0.0.1 'show version' </dev/null 2>&1) || rc=$?
[ "$rc" = 255 ] && grep -qi 'no matching cipher' <<<"$err" || fail "aes128-cbc was not refused (rc $rc): $err"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id" -C test
ssh-keygen -q -t ed25519 -N '' -f "$WORK/other" -C other
read -r ktype kb64 _ < "$WORK/id.pub"
out=$(priv <<<$'configure terminal\nusername bob ssh-key '"$ktype $kb64"$'\nend') || fail "ssh-key: $out"
key_ssh() {
    timeout 30 ssh -p "$SSH_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -o BatchMode=yes -o IdentitiesOnly=yes -o PreferredAuthentications=publickey -i "$1" bob@127.0.0.1 "$2" </dev/null
}
out=$(key_ssh "$WORK/id" 'show users') || fail "public key login: $out"
grep -q ' bob ' <<<"$out" || fail "show users over a key login: $out"
rc=0; key_ssh "$WORK/other" 'show version' >/dev/null 2>&1 || rc=$?
[ "$rc" = 255 ] || fail "an unregistered key logged in (rc $rc)"
echo "ok - exec exit codes 0/2/1, aes128-cbc refused, public key login ($SECONDS s)"

# 5. Session limit: 5 held sessions, the 6th refused with a clear message;
#    show users lists them and clear line ends one.
for i in 1 2 3 4 5; do
    # $! is ssh itself (last in the pipeline, setsid without a fork), so kill ends the session.
    sleep 60 | SSH_ASKPASS="$SENTRY_SRC/tests/e2e/fixtures/askpass.sh" SSH_ASKPASS_REQUIRE=force \
        ASKPASS_PW=Bob-secret-pass-1 ASKPASS_LOG="" DISPLAY=:0 setsid ssh -tt "${SSH_OPTS[@]}" \
        -o PreferredAuthentications=password bob@127.0.0.1 >"$WORK/held$i.log" 2>&1 &
    HELD+=($!)
done
WAIT_SECS=30 wait_for bash -c "[ \$(SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show users' | grep -c ' bob ') -ge 5 ]" ||
    fail "5 sessions did not come up: $(cli -c 'show users')"
rc=0; out=$(ssh_as bob Bob-secret-pass-1 'show version' 2>&1) || rc=$?
[ "$rc" != 0 ] && grep -q 'Maximum number of SSH sessions (5) reached' <<<"$out" ||
    fail "6th session not refused clearly (rc $rc): $out"
users=$(cli -c 'show users')
line=$(awk '$2 == "bob" || $3 == "bob" {print ($1 == "*" ? $2 : $1); exit}' <<<"$(grep ' bob ' <<<"$users")")
[ -n "$line" ] || fail "no line for bob: $users"
out=$(priv <<<"clear line $line") || fail "clear line $line: $out"
WAIT_SECS=15 wait_for bash -c "[ \$(SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show users' | grep -c ' bob ') -le 4 ]" ||
    fail "clear line did not end the session: $(cli -c 'show users')"
grep -q 'Session ended by an administrator' "$WORK"/held*.log || fail "the cleared session was not told"
for p in "${HELD[@]}"; do kill "$p" 2>/dev/null || true; done
HELD=()
WAIT_SECS=20 wait_for bash -c "! SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show users' | grep -q ' bob '" ||
    fail "sessions not gone after their clients left: $(cli -c 'show users')"
echo "ok - 6th session refused at max 5; show users; clear line ends a session ($SECONDS s)"

# 6. 200 concurrent connection attempts (20 at a time) leave the server healthy.
sshd_pid=$(cat "$TEST_STATE_DIR/run/sentry-sshd.pid")
t0=$SECONDS
# (each attempt through sh so that ssh's 255 does not make xargs stop)
seq 200 | SSH_PORT=$SSH_PORT xargs -P 20 -I{} sh -c 'timeout 30 ssh -p "$SSH_PORT" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=20 \
    -o PreferredAuthentications=password "nobody$1@127.0.0.1" true; exit 0' _ {} >"$WORK/load.log" 2>&1 || true
denied=$(grep -c 'Permission denied' "$WORK/load.log" || true)
echo "  200 connection attempts (20 at a time) took $((SECONDS - t0)) s; $denied reached authentication and were refused"
[ "$denied" -ge 190 ] || fail "only $denied of 200 connections got to authentication: $(sort "$WORK/load.log" | uniq -c | head)"
[ "$(cat "$TEST_STATE_DIR/run/sentry-sshd.pid")" = "$sshd_pid" ] && kill -0 "$sshd_pid" ||
    fail "sentry-sshd restarted or died under load"
out=$(ssh_as bob Bob-secret-pass-1 'show version') || fail "login after the load: $out"
grep -q ' bob ' <<<"$(cli -c 'show users')" && fail "a session leaked: $(cli -c 'show users')"
echo "ok - 200 concurrent connection attempts, server healthy ($SECONDS s)"

stop_appliance || fail "stop"
echo "ssh_accounts: all checks passed"
