# What every nstools completion shares: the command line read against the
# tool's option table (_nstools_table_TOOL), and the candidates of each kind
# of value. Every file carries the same copy.

# Named network namespaces: the entries of /run/netns.
_nstools_netns() {
    local entry
    for entry in /run/netns/*; do
        [[ -e $entry || -L $entry ]] && printf '%s\n' "${entry##*/}"
    done
}

# The interfaces in namespace $1 (or here): as `linkup -l` lists them, or
# `ip -br link`; the first field, without its @PEER.
_nstools_devices() {
    local listing name _
    listing=$(linkup ${1:+-n "$1"} -l 2>/dev/null) ||
        listing=$(ip ${1:+-n "$1"} -br link 2>/dev/null) ||
        { [[ -z $1 ]] && listing=$(command ls /sys/class/net 2>/dev/null); } ||
        return 0
    while read -r name _; do
        [[ -n $name ]] && printf '%s\n' "${name%%@*}"
    done <<<"$listing"
}

# The lines of stdin that start with $cur, quoted, into COMPREPLY.
_nstools_add() {
    local word
    while IFS= read -r word; do
        [[ -n $word && $word == "$cur"* ]] || continue
        printf -v word %q "$word"
        COMPREPLY+=("$prefix$word")
    done
}

# _nstools_get VAR TABLE KEY: sets VAR to what follows "KEY:" in TABLE (a
# list of KEY:VALUE words); fails, leaving VAR alone, without KEY.
_nstools_get() {
    local table=" $2 "
    [[ $table == *" $3:"* ]] || return 1
    table=${table#*" $3:"}
    printf -v "$1" %s "${table%% *}"
}

# The kind of operand number $1 (from 0) of the action: the action's list
# of kinds, whose last one repeats.
_nstools_kind() {
    local list
    local -a kinds
    kind=none
    _nstools_get list "$operands" "$action" || return 0
    IFS=, read -ra kinds <<<"$list"
    local -i last=${#kinds[@]}-1
    kind=${kinds[$1 < last ? $1 : last]}
}

# The candidates for a value of kind $1 that start with $cur.
_nstools_values() {
    case $1 in
    netns) _nstools_add < <(_nstools_netns) ;;
    device) _nstools_add < <(_nstools_devices "$ns") ;;
    tool) _nstools_add <<<"${_nstools_tools// /$'\n'}" ;;
    file | directory)
        compopt -o filenames 2>/dev/null
        local flag=-f
        [[ $1 == directory ]] && flag=-d
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen "$flag" -- "$cur")
        ;;
    command) mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -c -- "$cur") ;;
    host) mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -A hostname -- "$cur") ;;
    esac
}

# Completes words[cword] for tool $1: reads the words before it as the
# tool's parser does (clustered short options, values given apart, after
# =, or glued on; -- ends the options), then offers what fits there.
_nstools_complete() {
    local flags= valued= optional= actions= operands= options_first=0
    "_nstools_table_$1"
    local cur=${words[cword]} prefix= ns= action=main kind= value_of= last_long= word c
    local -i i j n=0 rest=0 command_at=0
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        if [[ -n $value_of ]]; then
            # The value of the option before (bash splits "--netns=x" at =).
            [[ $word == = ]] && continue
            [[ $value_of == -n || $value_of == --netns ]] && ns=$word
            value_of=
            continue
        fi
        if [[ $word == = && -n $last_long ]]; then
            value_of=$last_long last_long=
            continue
        fi
        last_long=
        if ((command_at)); then
            continue
        elif ((rest)) || [[ $word != -?* ]]; then
            _nstools_kind "$n"
            [[ $kind == command ]] && command_at=i
            n+=1
            ((options_first)) && rest=1
        elif [[ $word == -- ]]; then
            rest=1
        elif [[ $word == --* ]]; then
            _nstools_get action "$actions" "${word%%=*}"
            if [[ $word == *=* ]]; then
                [[ ${word%%=*} == --netns ]] && ns=${word#*=}
            elif _nstools_get kind "$valued" "$word"; then
                value_of=$word
            else
                last_long=$word
            fi
        else
            for ((j = 1; j < ${#word}; j++)); do
                c=-${word:j:1}
                _nstools_get action "$actions" "$c"
                _nstools_get kind "$valued" "$c" || continue
                if ((j + 1 < ${#word})); then
                    [[ $c == -n ]] && ns=${word:j+1}
                else
                    value_of=$c
                fi
                break
            done
        fi
    done
    COMPREPLY=()
    kind=none
    if [[ $cur == = ]]; then
        cur=
        [[ -z $value_of ]] && value_of=$last_long
    fi
    if [[ -n $value_of ]]; then
        _nstools_get kind "$valued $optional" "$value_of"
    elif ((command_at)); then
        # The command's own arguments, as it completes them.
        if declare -F _command_offset >/dev/null; then
            _command_offset "$((command_at + _nstools_shift))"
        else
            compopt -o default 2>/dev/null
        fi
        return 0
    elif ((!rest)) && [[ $cur == --*=* ]]; then
        _nstools_get kind "$valued $optional" "${cur%%=*}"
        prefix=${cur%%=*}= cur=${cur#*=}
    elif ((!rest)) && [[ $cur == -* ]]; then
        _nstools_add <<<"${flags// /$'\n'}"
        return 0
    else
        _nstools_kind "$n"
    fi
    _nstools_values "$kind"
    return 0
}

# nstools TOOL ...: the rest as TOOL's own command line ($_nstools_tools,
# the tools, is set by nstools's file, which alone binds this function).
_nstools_nstools() {
    local -a words=("${COMP_WORDS[@]}")
    local -i cword=$COMP_CWORD _nstools_shift=0
    if ((cword > 1)) && [[ " $_nstools_tools " == *" ${words[1]} "* ]]; then
        words=("${words[@]:1}") cword+=-1 _nstools_shift=1
        _nstools_complete "${words[0]}"
    else
        _nstools_complete nstools
    fi
}
