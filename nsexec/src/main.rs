fn main() -> std::process::ExitCode {
    nsexec::main(std::env::args_os())
}
