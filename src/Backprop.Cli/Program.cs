using System.Runtime.InteropServices;
using Backprop.Cli;

// Ctrl-C (and SIGTERM) asks the running command to stop after the current iteration; a second Ctrl-C ends the process.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !stop.IsCancellationRequested;
    stop.Cancel();
};
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    stop.Cancel();
});
var console = new CliConsole(Console.Out, Console.Error, !Console.IsOutputRedirected, !Console.IsErrorRedirected, stop.Token);
return Cli.Run(args, console);
