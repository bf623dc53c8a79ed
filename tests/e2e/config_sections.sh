# Sub-mode sections and platform settings through the shell (issue: the shell):
# interface GigabitEthernet N blocks typed the ways an admin types them (exit,
# end, an unclosed block left by a CONFIG line, both spellings), the platform
# lines (fips, dbconfig, service ntp/iptables, kparam); the level-15
# `show running-config` replayed by a script on a fresh appliance gives the
# same text; `show running-config interface ...` shows one section; and
# `reload` with its two [yes/no] questions (a script answers with its next lines).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
SAVED=$(mktemp -d /tmp/sentry-sections.XXXXXX)
trap 'cleanup_appliance; rm -rf "$SAVED"' EXIT

cli() { SENTRY_STATE_DIR="$TEST_STATE_DIR" timeout 120 "$SENTRY_BUILD/cli/sentry-cli" "$@"; }
# Level 15 sees every line in replayable form (user hashes, not ***).
running15() { printf 'enable\n%s\nshow running-config %s\n' "$ENABLE_PW" "${1:-}" | cli | sed '1,/^[^ ]*#show running-config/d'; }
sections() { sed -n '/^interface /,/^  end$/p'; }

start_appliance

# 1. Sections typed in several ways; a transcript shows the sub-mode prompt.
out=$(priv <<'EOF2'
configure terminal
interface GigabitEthernet 2
ip address 10.1.2.3 255.255.255.0
shutdown
exit
int gi1
ip address 192.0.2.10 255.255.255.0
no shutdown
do show running-config interface GigabitEthernet1
end
interface GigabitEthernet4
shutdown
hostname gw.example.com
interface GigabitEthernet 3
ip address 10.3.0.1 255.255.0.0
no ip address
fips
dbconfig
no service ntp
no service iptables
kparam tcp_keepalive_time 600
end
EOF2
) || fail "configuring: $out"
grep -q '^%' <<<"$out" && fail "a line was refused: $out"
grep -q '^sentry/config-if#ip address 10.1.2.3 255.255.255.0$' <<<"$out" || fail "no config-if prompt: $out"
# 'exit' and 'end' in the sub-mode return to CONFIG, not to PRIVILEGED.
grep -q '^sentry/config#int gi1$' <<<"$out" || fail "exit did not return to CONFIG: $out"
grep -q '^sentry/config#interface GigabitEthernet4$' <<<"$out" || fail "end did not return to CONFIG: $out"
# A CONFIG line in the sub-mode leaves it and runs in CONFIG (as IOS does).
grep -q '^sentry/config-if#hostname gw.example.com$' <<<"$out" || fail "hostname not typed in the sub-mode: $out"
grep -q '^gw.example.com/config#interface GigabitEthernet 3$' <<<"$out" || fail "not back in CONFIG after hostname: $out"
# 'do' from the sub-mode, with the section filter and both spellings.
grep -q '^  ip address 192.0.2.10 255.255.255.0$' <<<"$out" || fail "do show running-config interface: $out"
grep -q '^  ip address 10.1.2.3' <<<"$out" && fail "the section filter let another interface through: $out"
grep -q '^FIPS mode change takes effect after' <<<"$out" || fail "fips note: $out"
grep -q "^Note: stored, not applied to the kernel: tcp_keepalive_time: SENTRY_KPARAM_APPLY is not 1" <<<"$out" ||
    fail "kparam was applied to the host kernel, or no note: $out"
[ "$(cat /proc/sys/net/ipv4/tcp_keepalive_time)" != 600 ] || fail "the test changed the host's tcp_keepalive_time"

running15 > "$SAVED/first" || fail "show running-config"
expected='interface GigabitEthernet 1
  ip address 192.0.2.10 255.255.255.0
  no shutdown
  end
interface GigabitEthernet 2
  ip address 10.1.2.3 255.255.255.0
  shutdown
  end
interface GigabitEthernet 4
  no ip address
  shutdown
  end'
[ "$(sections < "$SAVED/first")" = "$expected" ] || fail "sections:
$(cat "$SAVED/first")
--- expected:
$expected"
tail -5 "$SAVED/first" | tr '\n' '|' | grep -qx 'fips|dbconfig|no service ntp|no service iptables|kparam tcp_keepalive_time 600|' ||
    fail "platform lines: $(cat "$SAVED/first")"
out=$(cli --check < "$SAVED/first" 2>&1) || fail "--check of the rendered text: $out"
[ "$(running15 'interface GigabitEthernet 2')" = 'interface GigabitEthernet 2
  ip address 10.1.2.3 255.255.255.0
  shutdown
  end' ] || fail "show running-config interface GigabitEthernet 2: $(running15 'interface GigabitEthernet 2')"
echo "ok - interface sections typed with exit/end/fallback and rendered ($SECONDS s)"

# 2. A fresh appliance replays the rendered text: identical.
stop_appliance || fail "first stop"
rm -rf "$TEST_STATE_DIR"
make_state_dir
chmod 0755 "$TEST_STATE_DIR"
MICS_LOG="$TEST_STATE_DIR/micsd.out"
start_appliance
out=$({ echo 'configure terminal'; cat "$SAVED/first"; echo 'end'; } | priv 2>&1) || fail "replay: $out"
grep -q '^%' <<<"$out" && fail "a replayed line was refused: $out"
running15 > "$SAVED/second" || fail "show running-config (second)"
cmp -s "$SAVED/first" "$SAVED/second" || fail "round trip differs:
$(diff "$SAVED/first" "$SAVED/second")"
echo "ok - the rendered sections replay byte for byte on a fresh appliance ($SECONDS s)"

# 3. reload: the save question only when running differs from startup.
out=$(printf 'write memory\nreload\nno\n' | priv 2>&1) || fail "reload answered no: $out"
grep -q 'Save? \[yes/no\]' <<<"$out" && fail "asked to save a saved configuration: $out"
grep -q '^Proceed with reload? \[yes/no\] no$' <<<"$out" || fail "no proceed question: $out"
out=$(priv <<'EOF2'
configure terminal
hostname unsaved
end
reload
no
yes
EOF2
) || fail "reload without saving: $out"
grep -q '^System configuration may have been modified. Save? \[yes/no\] no$' <<<"$out" || fail "save question: $out"
grep -q '^Proceed with reload? \[yes/no\] yes$' <<<"$out" || fail "proceed question: $out"
grep -q '^Reload complete: startup-config (revision [0-9]*) is running; unsaved changes were discarded.$' <<<"$out" ||
    fail "reload result: $out"
WAIT_SECS=30 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$SSH_PORT" || fail "sshd did not come back after reload"
cmp -s "$SAVED/first" <(running15) || fail "unsaved hostname survived the reload: $(running15 | grep hostname)"
out=$(priv <<'EOF2'
configure terminal
no fips
end
reload
yes
yes
EOF2
) || fail "reload with saving: $out"
grep -q '^Building configuration' <<<"$out" || fail "no save: $out"
running15 | grep -qx fips && fail "no fips was not saved by reload"
out=$(priv <<<'show FIPS') || fail "show FIPS: $out"
grep -q '^Approved-algorithms mode: off$' <<<"$out" || fail "fips still in effect after reload: $out"
echo "ok - reload asks, saves on yes, discards unsaved changes on no ($SECONDS s)"

# 4. certificate sentry: a new self-signed certificate, sentryd restarted with it.
before=$(md5sum < "$TEST_STATE_DIR/certs/sentry.crt")
out=$(printf 'configure terminal\ncertificate sentry\nn\ncertificate sentry\ny\nend\n' | priv 2>&1) || fail "certificate sentry: $out"
grep -q '^Services will be disrupted.$' <<<"$out" || fail "no warning: $out"
grep -q '^Would you like to proceed? \[y/n\]: n$' <<<"$out" || fail "no question: $out"
grep -q '^A new self-signed certificate is in use' <<<"$out" || fail "not regenerated: $out"
[ "$(md5sum < "$TEST_STATE_DIR/certs/sentry.crt")" != "$before" ] || fail "the certificate file did not change"
WAIT_SECS=30 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTTPS_PORT" || fail "sentryd did not come back"
echo "ok - certificate sentry regenerates the proxy's self-signed certificate ($SECONDS s)"

# 5. Diagnostics from the appliance against its own sentryd (and its SSH port, which speaks no TLS).
out=$(priv <<<"tlscheck server 127.0.0.1 $HTTPS_PORT" 2>&1) || fail "tlscheck: $out"
grep -q "^127.0.0.1:$HTTPS_PORT  OK  TLSv1.2 " <<<"$out" || fail "tlscheck OK line: $out"
out=$(priv <<<"tlscheck server 127.0.0.1 $SSH_PORT" 2>&1) && fail "tlscheck of a non-TLS port passed: $out"
grep -q "^127.0.0.1:$SSH_PORT  FAILED  ." <<<"$out" || fail "tlscheck FAILED line: $out"
out=$(priv <<<"curl active-sync 127.0.0.1 $HTTPS_PORT" 2>&1) || fail "curl: $out"
grep -q "^\* Connected to 127.0.0.1 (127.0.0.1) port $HTTPS_PORT in " <<<"$out" || fail "curl connect line: $out"
grep -q '^\* TLS TLSv1\.[23] ' <<<"$out" || fail "curl TLS line: $out"
grep -q '^< HTTP/1\.1 [0-9][0-9][0-9] ' <<<"$out" || fail "curl status line: $out"
# tlscheck all: every back end of the snapshot (here the proxy itself, TLS, and the SSH port, not TLS).
out=$(printf 'configure terminal\nsentry activesync service default servers 127.0.0.1:%s;127.0.0.1:%s\nend\ntlscheck all\n' \
      "$HTTPS_PORT" "$SSH_PORT" | priv 2>&1) && fail "tlscheck all passed with a non-TLS server: $out"
grep -q "^127.0.0.1:$HTTPS_PORT  ActiveSync default  OK  TLSv1.2 " <<<"$out" || fail "tlscheck all OK line: $out"
grep -q "^127.0.0.1:$SSH_PORT  ActiveSync default  FAILED  ." <<<"$out" || fail "tlscheck all FAILED line: $out"
grep -q "^2 servers checked, 1 OK, 1 FAILED$" <<<"$out" || fail "tlscheck all summary: $out"
echo "ok - tlscheck and curl against the appliance's own proxy ($SECONDS s)"

stop_appliance || fail "second stop"
echo "config_sections: all checks passed"
