using System.Runtime.InteropServices;
using Backprop.Cli;

// Ctrl-C (and SIGTERM) asks a command that can stop cleanly (CliConsole.StopsCleanly) to stop after the current
// iteration; a second signal, or any signal to the other commands, ends the process.
using var stop = new CancellationTokenSource();
var console = CliConsole.OfProcess(stop.Token);
Console.CancelKeyPress += (_, e) => e.Cancel = Cli.AskToStop(console, stop);
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => ctx.Cancel = Cli.AskToStop(console, stop));
return Cli.Run(args, console);
