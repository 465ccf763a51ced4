#!/usr/bin/env bash
# Per-segment TCP oracle: what tshark says about every frame that has a tcp layer.
#
# Usage:
#   tshark-tcp-fields.sh --index CORPUSDIR OUT.tsv.gz   # captures listed in CORPUSDIR/INDEX.tsv (column 1)
#   tshark-tcp-fields.sh --files DIR       OUT.tsv.gz   # every regular file directly in DIR
#                                                       # (except *.tsv, *.md, NOTICE), sorted by name (C locale)
# Environment: JOBS (default 2, capped at 2), TSHARK (default "tshark").
#
# Output: one gzip -n TSV. Header lines start with '#'. Before each capture:
#   #capture<TAB>path relative to CORPUSDIR/DIR<TAB>frames tshark read<TAB>"ok" | "exit N: first stderr line"
# then one row per frame whose frame.protocols contains a "tcp" layer, columns as in the #fields line.
# Frames with several TCP layers (ICMP errors quoting TCP, tunnels) carry every value, comma-separated,
# outermost first. See README.md next to this script for the pinned preferences and why.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: $0 --index CORPUSDIR OUT.tsv.gz | --files DIR OUT.tsv.gz" >&2; exit 2; }
[[ $# -eq 3 ]] || usage
mode=$1 base=${2%/} out=$3
TSHARK=${TSHARK:-tshark}
JOBS=${JOBS:-2}; (( JOBS >= 1 && JOBS <= 2 )) || JOBS=2

FIELDS=(frame.number frame.protocols tcp.srcport tcp.dstport tcp.seq_raw tcp.ack_raw tcp.flags
        tcp.window_size_value tcp.hdr_len tcp.len tcp.checksum.status tcp.urgent_pointer
        ip.src ipv6.src ip.dst ipv6.dst frame.time_epoch frame.cap_len frame.len)

# Preferences that change the per-frame answers. Each is checked against `tshark -G defaultprefs` below.
PREFS=(tcp.check_checksum:TRUE              # tcp.checksum.status becomes good/bad instead of "unverified"
       tcp.relative_sequence_numbers:FALSE  # raw numbers (we also ask for *_raw fields; keeps tcp.seq raw too)
       tcp.analyze_sequence_numbers:FALSE   # no cross-packet analysis: per-packet facts only
       tcp.desegment_tcp_streams:FALSE      # each frame's TCP fields are its own, not a reassembled PDU's
       tcp.try_heuristic_first:FALSE        # port-based subdissectors first (default, pinned)
       ip.defragment:FALSE                  # IPv4 fragments are not reassembled into one frame
       ipv6.defragment:FALSE)               # same for IPv6

case $mode in
  --index) [[ -f $base/INDEX.tsv ]] || { echo "no $base/INDEX.tsv" >&2; exit 2; } ;;
  --files) [[ -d $base ]] || { echo "no directory $base" >&2; exit 2; } ;;
  *) usage ;;
esac

# Fail early if a preference name is unknown to this tshark (a typo would otherwise be a silent no-op
# only if tshark ignored it; tshark actually errors, but this gives a clearer message).
defaults=$("$TSHARK" -G defaultprefs 2>/dev/null)
for p in "${PREFS[@]}"; do
  grep -q "^#${p%%:*}: " <<<"$defaults" || { echo "tshark has no preference ${p%%:*}" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Empty config dir: no personal preferences, decode-as entries or profiles leak in.
mkdir "$work/conf"
export WIRESHARK_CONFIG_DIR=$work/conf
export TSHARK base work
export FIELD_ARGS="$(printf -- '-e %s ' "${FIELDS[@]}")"
export PREF_ARGS="$(printf -- '-o %s ' "${PREFS[@]}")"

# List of captures, in the order they will appear in the output.
if [[ $mode == --index ]]; then
  tail -n +2 "$base/INDEX.tsv" | cut -f1 | grep -v '^$' >"$work/list"
else
  (cd "$base" && find . -maxdepth 1 -type f ! -name '*.tsv' ! -name '*.md' ! -name NOTICE -printf '%P\n' | sort) >"$work/list"
fi
n=$(wc -l <"$work/list")
echo "$n captures, $JOBS jobs" >&2

one() {  # $1 = sequence number, $2 = relative path; writes $work/NNNNN.part
  local i=$1 rel=$2 rc=0 status frames
  local rows=$work/$i.rows err=$work/$i.err
  # shellcheck disable=SC2086
  # run from $base with the relative path, so error messages name the file the same way on every machine
  (cd "$base" && exec $TSHARK -n -r "$rel" $PREF_ARGS -T fields -E separator=/t -E occurrence=a -E aggregator=, \
      -E header=n -E quote=n $FIELD_ARGS) >"$rows" 2>"$err" || rc=$?
  frames=$(wc -l <"$rows")
  if [[ $rc -eq 0 ]] && ! grep -qv '^Running as user' "$err"; then
    status=ok
  else
    status="exit $rc: $(grep -v '^Running as user' "$err" | grep -v '^$' | head -n1 | tr '\t' ' ')"
  fi
  {
    printf '#capture\t%s\t%s\t%s\n' "$rel" "$frames" "$status"
    # keep frames that have a tcp layer anywhere in the protocol stack (column 2 = frame.protocols)
    awk -F'\t' '{ n = split($2, p, ":"); for (k = 1; k <= n; k++) if (p[k] == "tcp") { print; next } }' "$rows"
  } >"$work/$i.part"
  rm -f "$rows" "$err"
}
export -f one

start=$(date +%s)
awk '{ printf "%05d\t%s\n", NR, $0 }' "$work/list" | tr '\n' '\0' |
  xargs -0 -P "$JOBS" -I{} bash -c 'IFS=$'"'"'\t'"'"' read -r i rel <<<"$1"; one "$i" "$rel"' _ {}

{
  printf '#tcp-fields\t%s\n' "$("$TSHARK" --version 2>/dev/null | head -n1)"
  printf '#prefs\t%s\n' "${PREFS[*]}"
  printf '#fields\t%s\n' "$(IFS=$'\t'; echo "${FIELDS[*]}")"
  for ((k = 1; k <= n; k++)); do cat "$work/$(printf %05d "$k").part"; done
} | gzip -n -9 >"$out"

end=$(date +%s)
errs=$(zcat "$out" | awk -F'\t' '$1=="#capture" && $4!="ok"' | wc -l)
echo "wrote $out: $n captures, $errs with a tshark error, $(stat -c %s "$out") bytes, $((end - start)) s" >&2
