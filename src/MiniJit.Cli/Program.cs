// The minijit command line. Everything lives in MiniJitCli so that tests can run it with captured output.
return MiniJit.Cli.MiniJitCli.Run(args, Console.Out, Console.Error);
