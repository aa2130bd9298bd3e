fn main() -> std::process::ExitCode {
    linkup::main(std::env::args_os())
}
