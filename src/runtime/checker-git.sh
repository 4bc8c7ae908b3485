#!/bin/bash
# git, as checks run it. A learner's repository is data to inspect, never
# code to run: its own configuration can name programs that git starts
# (hooks, core.fsmonitor, filter, diff and merge drivers, a pager, gpg), and
# git would start them as the checker. So git works here on a private copy
# of the repository's control files with a configuration reduced to the
# format settings; objects, refs and the working tree are the learner's own
# (read-only in the checker container). Repositories the checker made
# itself (under its own home) are used as they are.
#
# The copy is made once per check run (SANDPIT_CHECK_RUN) and repository:
# a check sees one snapshot of HEAD and the index, and pays for it once.
real=/usr/bin/git

# Where git will work: the -C options before the subcommand.
dir=$PWD
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[i]} in
        -C)
            i=$((i + 1))
            dir=$(cd "$dir" 2>/dev/null && cd "${args[i]}" 2>/dev/null && pwd) || exec "$real" "$@" ;;
        -c) i=$((i + 1)) ;;
        --git-dir | --work-tree | --git-dir=* | --work-tree=*) exec "$real" "$@" ;;
        -*) ;;
        # These make another repository: git reads nothing of the one
        # around it.
        init | clone | version | help) exec "$real" "$@" ;;
        *) break ;;
    esac
done

[ -z "$GIT_DIR" ] || exec "$real" "$@"
found=$(cd "$dir" 2>/dev/null && "$real" rev-parse --absolute-git-dir --show-toplevel 2>/dev/null)
gitdir=${found%%$'\n'*}
top=
[[ $found == *$'\n'* ]] && top=${found#*$'\n'}
[ -n "$gitdir" ] || exec "$real" "$@"
[[ $gitdir == "$HOME"/* ]] && exec "$real" "$@"

scratch=${TMPDIR:-$HOME}
cache=$scratch/git-${SANDPIT_CHECK_RUN:-$$}
shadow=$cache/${gitdir//\//_}
if [ ! -d "$shadow" ]; then
    for old in "$scratch"/git-*; do
        [ "$old" = "$cache" ] || [ ! -d "$old" ] || rm -rf "$old"
    done
    mkdir -p "$shadow/info" || exit 128
    # Directories (objects, refs, logs) are linked; files (HEAD, MERGE_HEAD,
    # packed-refs, the index, which git may refresh) are copied: git
    # refuses a HEAD that is a link outside refs/.
    links=()
    files=()
    shopt -s nullglob dotglob
    for entry in "$gitdir"/*; do
        case ${entry##*/} in
            config | config.worktree | hooks | info | commondir | gitdir) ;;
            *)
                if [ -d "$entry" ]; then
                    links+=("$entry")
                elif [ -f "$entry" ]; then
                    files+=("$entry")
                fi ;;
        esac
    done
    [ -f "$gitdir/info/exclude" ] && files+=("$gitdir/info/exclude")
    ((${#links[@]})) && ln -s "${links[@]}" "$shadow/"
    ((${#files[@]})) && cp "${files[@]}" "$shadow/"
    [ -f "$shadow/exclude" ] && mv "$shadow/exclude" "$shadow/info/exclude"
    # Attributes in the working tree may name drivers: none is defined
    # here, and this file (read last, so it wins) unsets them anyway.
    printf '* !filter !diff !merge\n' > "$shadow/info/attributes"
    version=0
    extensions=
    while IFS= read -r line; do
        [[ $line =~ repositoryformatversion[[:space:]]*=[[:space:]]*1 ]] && version=1
        [[ $line == *"[extensions]"* ]] && extensions=1
    done < "$gitdir/config"
    printf '[core]\n\trepositoryformatversion = %s\n\tbare = false\n' "$version" > "$shadow/config"
    if [ -n "$extensions" ]; then
        while read -r name value; do
            "$real" config --file "$shadow/config" "$name" "$value"
        done < <("$real" config --file "$gitdir/config" \
            --get-regexp '^extensions\.(objectformat|refstorage)$' 2>/dev/null)
    fi
fi

if [ -n "$top" ]; then
    GIT_DIR=$shadow GIT_WORK_TREE=$top exec "$real" "$@"
fi
GIT_DIR=$shadow exec "$real" "$@"
