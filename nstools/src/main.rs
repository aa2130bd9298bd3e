fn main() -> std::process::ExitCode {
    nstools::main(std::env::args_os())
}
