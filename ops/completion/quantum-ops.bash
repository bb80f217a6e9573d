# bash completion for the quantum-ops tools (installed once per tool name under
# /usr/share/bash-completion/completions/). The flags and subcommands come from the
# tool's own --help, so the completion cannot drift from the tool.

_quantum_ops_help_words() {
    # Long and short flags, and the names listed under "Subcommands:".
    "$1" --help 2>/dev/null | awk '
        /^Subcommands:/ { sub_list = 1; next }
        sub_list && /^  [a-z]/ { print $1; next }
        sub_list && /^[^ ]/ { sub_list = 0 }
        { for (i = 1; i <= NF; i++) if ($i ~ /^-/) { n = split($i, parts, ","); for (j = 1; j <= n; j++) if (parts[j] ~ /^-/) print parts[j] } }' |
        sed 's/[=,:].*//' | grep -E '^(-[A-Za-z]|--[A-Za-z][A-Za-z0-9-]*|[a-z][a-z-]*)$' | sort -u
}

_quantum_ops_complete() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    case $prev in
    --policy | --ledger | --log | --journal-dir | --metrics-dir | --state-dir | --proof-file | --latch | \
        --checkpoint | --verifier-keys)
        # A path follows these flags.
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return
        ;;
    esac
    local tool=${COMP_WORDS[0]}
    # A subcommand's own flags once one is given (audit-log verify, emergency-stop trip ...).
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *)
            if _quantum_ops_help_words "$tool" | grep -qx -- "${COMP_WORDS[i]}"; then
                mapfile -t COMPREPLY < <(compgen -W "$("$tool" "${COMP_WORDS[i]}" --help 2>/dev/null |
                    grep -oE -- '--?[A-Za-z][A-Za-z0-9-]*' | sort -u)" -- "$cur")
                return
            fi
            ;;
        esac
    done
    mapfile -t COMPREPLY < <(compgen -W "$(_quantum_ops_help_words "$tool")" -- "$cur")
}

complete -F _quantum_ops_complete policy-refresh policy-show exit-owner-watch audit-log audit-summary \
    ops-ledger-append emergency-stop quantum-status
