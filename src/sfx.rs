//! `dist/hosts/<host>.run`: a host's bundle as one self-extracting file, for hosts that have
//! nothing but bash and ssh (SPEC §4, §7). A short bash header, the bundle's `.tar.gz` as it is,
//! and a last line `# sha256 <hex>` with the sum of everything before it (header included), which
//! the header checks before it unpacks anything. bash 4.1 / coreutils 8.4 / tar 1.23.
//!
//! The header does not hold the length of the tar.gz: it is the file's size less the header's
//! own length (in the header, fixed width) and the last line's (always [`TRAILER_LEN`] bytes).
//! So the header is known before the tar.gz is made, and `package::write_bundle` writes the
//! `.run` in the same pass as the `.tar.gz`, hashing as it goes.

use crate::quote::quote;

/// Length of the last line, `\n# sha256 <64 hex>\n`.
pub const TRAILER_LEN: usize = 75;

const HEADER: &str = r#"#!/bin/bash
# @HOST@.run: the rbc bundle of @HOST@ as one self-extracting file (a bash header, the bundle's
# tar.gz, and a last line with the sha256 of everything before it, this header included).
#   bash @HOST@.run                 check it, then unpack @HOST@/ in the current folder
#   bash @HOST@.run --target DIR    ... in DIR (an older DIR/@HOST@/ is replaced; the journal
#                                   and backups live in /var/lib/rbc and stay)
#   bash @HOST@.run --check         only check it
#   bash @HOST@.run --run [ARGS]    unpack, then run @HOST@/run.sh ARGS (--help for its options)
# Exit 2: the file is damaged or cut short: copy it again. Nothing is unpacked before the check.
set -u
RBC_SFX_HOST=@QHOST@
RBC_SFX_HEAD=@HEAD@
RBC_SFX_TAIL=@TAIL@
rbc_sfx_die() { printf 'rbc: %s\n' "$*" >&2; exit 2; }
rbc_sfx_self=$0
case $rbc_sfx_self in /*) ;; *) rbc_sfx_self=$PWD/$rbc_sfx_self ;; esac
[ -f "$rbc_sfx_self" ] || rbc_sfx_die "cannot find myself ($0): run me as bash FILE"
rbc_sfx_target=. rbc_sfx_check=0 rbc_sfx_run=0
while [ $# -gt 0 ]; do
	case $1 in
	--target) [ $# -ge 2 ] || rbc_sfx_die "--target needs a folder"; rbc_sfx_target=$2; shift ;;
	--target=*) rbc_sfx_target=${1#*=} ;;
	--check) rbc_sfx_check=1 ;;
	--run) shift; rbc_sfx_run=1; break ;;
	-h | --help) sed -n '2,9p' "$rbc_sfx_self" | cut -c3-; exit 0 ;;
	*) rbc_sfx_die "unknown option: $1 (see --help)" ;;
	esac
	shift
done
rbc_sfx_size=$(wc -c <"$rbc_sfx_self") || rbc_sfx_die "cannot read $rbc_sfx_self"
rbc_sfx_n=$((rbc_sfx_size - RBC_SFX_TAIL))
RBC_SFX_BODY=$((rbc_sfx_n - RBC_SFX_HEAD))
[ "$RBC_SFX_BODY" -gt 0 ] || rbc_sfx_die "$rbc_sfx_self is damaged or cut short: copy it again"
rbc_sfx_want=$(tail -c +$((rbc_sfx_n + 1)) "$rbc_sfx_self" | sed -n 's/^# sha256 \([0-9a-f]\{64\}\)$/\1/p')
rbc_sfx_got=$(head -c "$rbc_sfx_n" "$rbc_sfx_self" | sha256sum | cut -d' ' -f1)
if [ -z "$rbc_sfx_want" ] || [ "$rbc_sfx_want" != "$rbc_sfx_got" ]; then
	rbc_sfx_die "$rbc_sfx_self is damaged or cut short (sha256 $rbc_sfx_got, expected ${rbc_sfx_want:-none}): copy it again"
fi
if [ "$rbc_sfx_check" = 1 ]; then
	printf '%s: OK (sha256 %s)\n' "$rbc_sfx_self" "$rbc_sfx_got"
	exit 0
fi
umask 022
mkdir -p -- "$rbc_sfx_target" || rbc_sfx_die "cannot create $rbc_sfx_target"
rbc_sfx_tmp=$(mktemp -d "$rbc_sfx_target/.$RBC_SFX_HOST.XXXXXX") || rbc_sfx_die "cannot write in $rbc_sfx_target"
trap 'rm -rf "$rbc_sfx_tmp"' EXIT
tail -c +$((RBC_SFX_HEAD + 1)) "$rbc_sfx_self" | head -c "$RBC_SFX_BODY" | tar xzf - -C "$rbc_sfx_tmp" ||
	rbc_sfx_die "cannot unpack $rbc_sfx_self into $rbc_sfx_target"
[ -d "$rbc_sfx_tmp/$RBC_SFX_HOST" ] || rbc_sfx_die "$rbc_sfx_self holds no $RBC_SFX_HOST/"
if [ -e "$rbc_sfx_target/$RBC_SFX_HOST" ] || [ -L "$rbc_sfx_target/$RBC_SFX_HOST" ]; then
	mv -- "$rbc_sfx_target/$RBC_SFX_HOST" "$rbc_sfx_tmp/old" || rbc_sfx_die "cannot move the older $rbc_sfx_target/$RBC_SFX_HOST away"
fi
mv -- "$rbc_sfx_tmp/$RBC_SFX_HOST" "$rbc_sfx_target/$RBC_SFX_HOST" || rbc_sfx_die "cannot put $RBC_SFX_HOST/ in $rbc_sfx_target"
printf '%s\n' "$rbc_sfx_got" >"$rbc_sfx_target/.$RBC_SFX_HOST.sfx"
rbc_sfx_dir=$(cd -P -- "$rbc_sfx_target/$RBC_SFX_HOST" && pwd -P) || exit 2
printf 'unpacked %s (sha256 %s)\n' "$rbc_sfx_dir" "$rbc_sfx_got"
if [ "$rbc_sfx_run" = 1 ]; then
	rm -rf "$rbc_sfx_tmp"
	trap - EXIT
	cd -- "$rbc_sfx_dir" || exit 2
	exec bash ./run.sh "$@"
fi
printf 'next: cd %s && ./run.sh --list\n' "$rbc_sfx_dir"
exit 0
"#;

/// The header for a host. Its own length is in it, written with a fixed width so that it does
/// not change the length.
pub fn header(host: &str) -> String {
    let fill = |head: usize| {
        HEADER
            .replace("@QHOST@", &quote(host))
            .replace("@HOST@", &host.replace(['\n', '\r'], " "))
            .replace("@HEAD@", &format!("{head:<12}"))
            .replace("@TAIL@", &TRAILER_LEN.to_string())
    };
    let len = fill(0).len();
    fill(len)
}

/// The last line: the sha256 (lowercase hex) of everything before it.
pub fn trailer(inner: &str) -> String {
    let line = format!("\n# sha256 {inner}\n");
    debug_assert_eq!(line.len(), TRAILER_LEN);
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_knows_its_own_length() {
        let h = header("web-1");
        assert!(h.contains(&format!("RBC_SFX_HEAD={:<12}", h.len())));
        assert!(h.contains(&format!("RBC_SFX_TAIL={TRAILER_LEN}\n")));
        assert_eq!(trailer(&"0".repeat(64)).len(), TRAILER_LEN);
    }
}
