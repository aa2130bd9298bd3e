# What every nstools completion shares: the command line read against the
# tool's option table (the variables __nstools_*_TOOL), and the candidates
# of each kind of value. Every file carries the same copy.

# Named network namespaces: the entries of /run/netns.
function __nstools_netns
    for entry in /run/netns/*
        string replace -r '.*/' '' -- $entry
    end
end

# The namespace -n names on the command line, if any.
function __nstools_given_netns
    set -l tokens (commandline -opc)
    for i in (seq (count $tokens))
        switch $tokens[$i]
            case -n --netns
                set -q tokens[(math $i + 1)]; and echo $tokens[(math $i + 1)]
            case '--netns=*' '-n?*'
                string replace -r '^(--netns=|-n)' '' -- $tokens[$i]
        end
    end
end

# The interfaces in the namespace of -n (or here): as `linkup -l` lists
# them, or `ip -br link`; the first field, without its @PEER.
function __nstools_devices
    set -l ns (__nstools_given_netns)[-1]
    set -l where
    test -n "$ns"; and set where -n $ns
    set -l listing
    command -q linkup; and set listing (linkup $where -l 2>/dev/null)
    or begin
        command -q ip; and set listing (ip $where -br link 2>/dev/null)
    end
    or begin
        test -z "$ns"; and set listing (command ls /sys/class/net 2>/dev/null)
    end
    string replace -r '[@ ].*' '' -- $listing
end

# Whether the command line runs TOOL: nstools TOOL ..., or for nstools
# itself, no tool yet.
function __nstools_tool_is -a tool
    set -l tokens (commandline -opc)
    if contains -- "$tokens[2]" $__nstools_tools
        test "$tokens[2]" = $tool
    else
        test $tool = nstools
    end
end

# The value of KEY in the KEY=VALUE words after it.
function __nstools_lookup -a key
    for pair in $argv[2..-1]
        set -l kv (string split -m1 = -- $pair)
        test "$kv[1]" = "$key"; and echo $kv[2]; and return 0
    end
    return 1
end

# The kind of operand number $3 (from 0) of action $2 of tool $1: the
# action's list of kinds, whose last one repeats.
function __nstools_kind_at -a tool action n
    set -l table __nstools_operands_$tool
    set -l list (__nstools_lookup $action $$table)
    or begin
        echo none
        return
    end
    set -l kinds (string split , -- $list)
    set -l at (math $n + 1)
    test $at -gt (count $kinds); and set at (count $kinds)
    echo $kinds[$at]
end

# Reads the command line before the cursor as TOOL's parser does and sets
# __nstools_kind (what the cursor's word is: a kind of operand, option,
# value, or the arguments of a command) and __nstools_tokens with
# __nstools_command_at (where that command starts).
function __nstools_scan -a tool
    set -g __nstools_tokens (commandline -opc)
    set -e __nstools_tokens[1]
    if test $tool = nstools; and contains -- "$__nstools_tokens[1]" $__nstools_tools
        set tool $__nstools_tokens[1]
        set -e __nstools_tokens[1]
    end
    set -l valued __nstools_valued_$tool
    set -l actions __nstools_actions_$tool
    set -l first __nstools_first_$tool
    set -l action main
    set -l n 0
    set -l rest 0
    set -l value 0
    set -g __nstools_command_at 0
    set -l i 0
    for token in $__nstools_tokens
        set i (math $i + 1)
        if test $value = 1
            set value 0
        else if test $__nstools_command_at != 0
            continue
        else if test $rest = 1; or not string match -qr -- '^-.' $token
            test (__nstools_kind_at $tool $action $n) = command
            and set __nstools_command_at $i
            set n (math $n + 1)
            test $$first = 1; and set rest 1
        else if test $token = --
            set rest 1
        else if string match -q -- '--*' $token
            set -l name (string split -m1 = -- $token)[1]
            set action (__nstools_lookup $name $$actions; or echo $action)
            if not string match -q -- '*=*' $token; and contains -- $token $$valued
                set value 1
            end
        else
            set -l length (string length -- $token)
            for j in (seq 2 $length)
                set -l c -(string sub -s $j -l 1 -- $token)
                set action (__nstools_lookup $c $$actions; or echo $action)
                if contains -- $c $$valued
                    test $j = $length; and set value 1
                    break
                end
            end
        end
    end
    set -g __nstools_rest $rest
    if test $value = 1
        set -g __nstools_kind value
    else if test $__nstools_command_at != 0
        set -g __nstools_kind arguments
    else if test $rest = 0; and string match -q -- '-*' (commandline -ct)
        set -g __nstools_kind option
    else
        set -g __nstools_kind (__nstools_kind_at $tool $action $n)
    end
end

# Whether options may still come (nsexec's end at NS: the rest is COMMAND).
function __nstools_options -a tool
    __nstools_scan $tool
    test $__nstools_rest = 0
end

# Whether the word at the cursor is an operand of kind KIND.
function __nstools_wants -a tool kind
    __nstools_scan $tool
    test $__nstools_kind = $kind
end

# The arguments of the command an operand named: as it completes them.
function __nstools_arguments
    __fish_complete_subcommand --commandline $__nstools_tokens[$__nstools_command_at..-1] (commandline -ct)
end
