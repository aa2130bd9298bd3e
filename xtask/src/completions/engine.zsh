# What every nstools completion shares: _arguments reads the options from
# the tool's table (_nstools_specs_TOOL), this reads the operands, and the
# candidates of each kind of value. Every file carries the same copy.

# Named network namespaces: the entries of /run/netns.
_nstools_netns() {
    local -a names
    names=(/run/netns/*(DN:t))
    _wanted namespaces expl 'network namespace' compadd -a names
}

# The interfaces in the namespace of -n (or here): as `linkup -l` lists
# them, or `ip -br link`; the first field, without its @PEER.
_nstools_devices() {
    local ns=${opt_args[-n]:-${opt_args[--netns]}} listing
    local -a where devices
    [[ -n $ns ]] && where=(-n ${(Q)ns})
    listing=$(linkup $where -l 2>/dev/null) ||
        listing=$(ip $where -br link 2>/dev/null) ||
        { [[ -z $ns ]] && listing=$(command ls /sys/class/net 2>/dev/null) } ||
        return 1
    devices=(${${${(f)listing}%% *}%%@*})
    _wanted interfaces expl interface compadd -a devices
}

# The candidates for an operand of kind $1.
_nstools_values() {
    case $1 in
    netns) _nstools_netns ;;
    device) _nstools_devices ;;
    tool) _wanted tools expl tool compadd -- ${=_nstools_tools} ;;
    file) _files ;;
    directory) _files -/ ;;
    command) _command_names -e ;;
    host) _hosts ;;
    *) return 1 ;;
    esac
}

# Completes for tool $1: its options by _arguments, then its operands by
# the kinds its table gives the action its options selected.
_nstools_complete() {
    local curcontext=$curcontext state state_descr line options_first=0
    local -a specs actions operands how kinds
    typeset -A opt_args action_of kinds_of
    _nstools_specs_$1
    how=(-s -S -C)
    (( options_first )) && how+=(-A '-*')
    _arguments $how : $specs '*:: :->operand' && return 0
    [[ $state == operand ]] || return 1
    action_of=($actions)
    kinds_of=($operands)
    local action=main key
    for key in ${(k)opt_args}; do
        [[ -n ${action_of[$key]} ]] && action=${action_of[$key]}
    done
    kinds=(${(s:,:)kinds_of[$action]})
    (( $#kinds )) || return 1
    # A command takes the rest of the line: its own arguments follow it.
    local at=${kinds[(I)command]}
    if (( at && CURRENT > at )); then
        words=("${(@)words[at,-1]}")
        (( CURRENT -= at - 1 ))
        _normal
        return
    fi
    _nstools_values ${kinds[CURRENT < $#kinds ? CURRENT : $#kinds]}
}
