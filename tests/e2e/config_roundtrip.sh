# Round trip through the shell (MICS issue: typed config model): a config that
# touches every setting with a CLI line is typed on one appliance; its
# `show running-config` is fed back, in CONFIG mode, to a second appliance with
# a fresh state dir, whose `show running-config` must be byte for byte the same.
# Scripts run in a local console session (trusted, as in mics_archive.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
SAVED=$(mktemp -d /tmp/sentry-rt.XXXXXX)
trap 'cleanup_appliance; rm -rf "$SAVED"' EXIT

running() { cli -c 'show running-config'; }
# At privilege 15 (hashes shown); the script transcript's prompt lines dropped.
running15() {
    { printf 'enable\n%s\nshow running-config\n' "$ENABLE_PW"; } | cli | grep -v -E '^[^ ]*[>#](enable|show running-config)$'
}

start_appliance

# 1. Every setting, typed out of render order on purpose.
out=$(priv <<'EOF2'
configure terminal
hostname gw.example.com
timeout 0
snmp-server community rt-community ro
service ssh 3
ntp 192.0.2.123 3
ntp pool.ntp.org 1
ip domain-name example.com
ip name-server 10.0.0.54 1
ip name-server 10.0.0.53 0
ip route 192.168.0.0 255.255.0.0 10.0.0.2
ip route 10.1.0.0 255.255.0.0 10.0.0.3
ip route 0.0.0.0 0.0.0.0 10.0.0.1
ip route 10.9.0.0 255.255.0.0 10.0.0.9
no ip route 10.9.0.0 255.255.0.0
username rt password
Rt-user-Passw0rd
Rt-user-Passw0rd
password-policy lockout attempts 5
password-policy history 10
banner login ^C
Round trip banner
  with two lines
^C
ip ssh grace-time 90
syslog Logs.Example.com 6514 TCP general warning disable
syslog 192.0.2.50 UDP audit info
syslog 192.0.2.50 514 UDP general err disable
syslog 192.0.2.50 1514 UDP health-monitor debug disable
no syslog 192.0.2.50 1514
object service mgmt tcp dst-port 2222
object network web1 host 10.0.1.5 description Web front   end
object network admins subnet 192.0.2.0/24
access-list rt 20 permit any web1 https rate 5 description Allow https
access-list rt 10 permit admins any mgmt
access-list rt description Round trip
access-list rt 100 deny any any any
access-list rt 30 deny any any esp
no access-list rt 30
interface GigabitEthernet 2
ip access-group rt in
exit
object service https tcp dst-port 8443
end
EOF2
) || fail "configuring: $out"
grep -q '^%' <<<"$out" && fail "a line was refused: $out"
# 1b. The ActiveSync proxy (docs/activesync-config.md): every sentry line, out
# of render order; checked on its own below, replayed with the rest.
out=$(priv <<'EOF2'
configure terminal
no sentry hsts
sentry activesync service eas2 health-check dead-time 120000
sentry activesync service eas2 servers mail3.example.com;[2001:db8::1]:8443
sentry activesync service Eas3
sentry activesync service default servers mail1.example.com;mail2.example.com:8443
sentry activesync service eas2 hosts eas2.example.com;mail.example.org
no sentry activesync service eas2 server-tls
sentry activesync service default server-verify
no sentry activesync service eas2 redirect-451
sentry activesync service default scheduling round-robin
no sentry activesync service Eas3 health-check
sentry activesync service default health-check interval 30
sentry activesync service default health-check live-threshold 2
sentry activesync service default health-check dead-threshold 5
sentry activesync service default health-check failure-window 30000
sentry activesync service zz servers gone.example.com
no sentry activesync service zz
no sentry activesync enable
sentry activesync all-dead reject
sentry timeout socket 20000
sentry timeout connect 5000
sentry timeout response 90000
sentry timeout request 15000
no sentry emm-fail-open
sentry emm-source-verify false
sentry emm-ips 10.1.0.0/16, 192.0.2.7 2001:db8::/32
no sentry audit
no sentry health-monitor
sentry uem url https://127.0.0.1:9/uem/api
sentry device-policy uem
sentry device-rule 20 wipe device-id LOST*
sentry device-rule 3 block user mallory
sentry auto-block-unregistered
sentry uem token t0ken-rt
no sentry uem verify-certificate
sentry uem poll-interval 30
sentry uem resync-interval 24
end
EOF2
) || fail "configuring sentry: $out"
grep -q '^%' <<<"$out" && fail "a sentry line was refused: $out"
sentry_expected='no sentry activesync enable
sentry activesync all-dead reject
sentry activesync service Eas3
sentry activesync service eas2
sentry activesync service default servers mail1.example.com;mail2.example.com:8443
sentry activesync service eas2 servers mail3.example.com;[2001:db8::1]:8443
sentry activesync service eas2 hosts eas2.example.com;mail.example.org
no sentry activesync service eas2 server-tls
sentry activesync service default server-verify
no sentry activesync service eas2 redirect-451
sentry activesync service default scheduling round-robin
no sentry activesync service Eas3 health-check
sentry activesync service default health-check interval 30
sentry activesync service default health-check live-threshold 2
sentry activesync service default health-check dead-threshold 5
sentry activesync service default health-check failure-window 30000
sentry activesync service eas2 health-check dead-time 120000
sentry timeout socket 20000
sentry timeout connect 5000
sentry timeout response 90000
sentry timeout request 15000
no sentry emm-fail-open
sentry emm-source-verify false
sentry emm-ips 10.1.0.0/16,192.0.2.7,2001:db8::/32
no sentry audit
no sentry health-monitor
no sentry hsts
sentry uem url https://127.0.0.1:9/uem/api
sentry uem token ***
no sentry uem verify-certificate
sentry uem poll-interval 30
sentry uem resync-interval 24
sentry device-policy uem
sentry auto-block-unregistered
sentry device-rule 3 block user mallory
sentry device-rule 20 wipe device-id LOST*'
sentry_lines=$(running | grep -E '^(no )?sentry ') || true
[ "$sentry_lines" = "$sentry_expected" ] || fail "sentry lines on the first appliance:
$sentry_lines
--- expected:
$sentry_expected"
running > "$SAVED/first.orig" || fail "show running-config"
first=$(cat "$SAVED/first.orig")
# Users render with their hash (privilege 15 sees it; this console session is
# level 1 and sees ***); the comparison and the replay use the level-15 text.
grep -qx 'username admin secret \*\*\*' <<<"$first" || fail "admin not rendered masked: $first"
grep -qx 'username rt secret \*\*\*' <<<"$first" || fail "rt not rendered masked: $first"
running15 > "$SAVED/first.orig" || fail "show running-config (15)"
first=$(cat "$SAVED/first.orig")
grep -q '^username rt secret hash \$y\$' <<<"$first" || fail "rt hash not rendered at level 15: $first"
first_nousers=$(grep -v -E '^username |^(no )?sentry ' <<<"$first")  # sentry lines: checked in 1b
expected='ip route 0.0.0.0 0.0.0.0 10.0.0.1
ip route 10.1.0.0 255.255.0.0 10.0.0.3
ip route 192.168.0.0 255.255.0.0 10.0.0.2
ip name-server 10.0.0.53 0
ip name-server 10.0.0.54 1
ip domain-name example.com
ntp pool.ntp.org 1
ntp 192.0.2.123 3
hostname gw.example.com
timeout 0
password-policy history 10
password-policy lockout attempts 5
snmp-server community rt-community ro
syslog 192.0.2.50 514 UDP general err disable
syslog 192.0.2.50 514 UDP audit info enable
syslog logs.example.com 6514 TCP general warning disable
banner login ^C
Round trip banner
  with two lines
^C
service ssh 3
ip ssh grace-time 90
object network admins subnet 192.0.2.0/24
object network web1 host 10.0.1.5 description Web front end
object service https tcp dst-port 8443
object service mgmt tcp dst-port 2222
access-list rt description Round trip
access-list rt 10 permit admins any mgmt
access-list rt 20 permit any web1 https rate 5 description Allow https
access-list rt 100 deny any any any
access-group rt in interface GigabitEthernet 2'
[ "$first_nousers" = "$expected" ] || fail "running-config on the first appliance:
$first
--- expected:
$expected"
# Refusals name the field and the reason.
out=$(printf 'configure terminal\nip route 10.0.0.1 255.0.0.0 10.0.0.2\nend\n' | priv 2>&1) || true
grep -q 'has host bits set' <<<"$out" || fail "host bits not refused: $out"
echo "ok - every setting typed and rendered in order ($SECONDS s)"

# 2. A second appliance with a fresh state dir replays that text.
stop_appliance || fail "first stop"
rm -rf "$TEST_STATE_DIR"
make_state_dir
chmod 0755 "$TEST_STATE_DIR"
MICS_LOG="$TEST_STATE_DIR/micsd.out"
start_appliance
[ "$(running)" != "$first" ] || fail "the fresh appliance already has the config"
out=$({ echo 'configure terminal'; printf '%s\n' "$first"; echo 'end'; } | priv 2>&1) || fail "replay: $out"
grep -q '^%' <<<"$out" && fail "a replayed line was refused: $out"
second=$(running) || fail "show running-config (second): $second"
running15 > "$SAVED/second" || fail "show running-config (second)"
cmp -s "$SAVED/first.orig" "$SAVED/second" || fail "round trip differs:
$(diff "$SAVED/first.orig" "$SAVED/second")"
echo "ok - show running-config replays byte for byte on a fresh appliance ($SECONDS s)"

# 3. export configuration -> import configuration restores every family too.
out=$(priv <<'EOF2'
export configuration rt.cfg
configure terminal
no ip route 0.0.0.0 0.0.0.0
no ip name-server 10.0.0.53 0
no ip domain-name
no ntp pool.ntp.org 1
hostname other
end
EOF2
) || fail "export and change: $out"
grep -qx 'ip route 0.0.0.0 0.0.0.0 10.0.0.1' "$TEST_STATE_DIR/exports/rt.cfg" || fail "export body: $(cat "$TEST_STATE_DIR/exports/rt.cfg")"
[ "$(running)" != "$first" ] || fail "the no-forms changed nothing"
out=$(echo 'import configuration rt.cfg' | priv 2>&1) || fail "import: $out"
running15 > "$SAVED/imported" || fail "show running-config (imported)"
cmp -s "$SAVED/first.orig" "$SAVED/imported" || fail "export/import differs:
$(diff "$SAVED/first.orig" "$SAVED/imported")"
echo "ok - export/import round trip ($SECONDS s)"
stop_appliance || fail "second stop"
echo "config_roundtrip: all checks passed"
