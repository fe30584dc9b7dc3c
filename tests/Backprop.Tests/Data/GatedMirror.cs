using System.Net;

namespace Backprop.Tests.Data;

/// <summary>
/// A loopback mirror for races between downloads: the n-th request to arrive takes the n-th turn, says that it arrived
/// and waits until the test releases it, then answers as that turn says. The test thus decides when each of several
/// concurrent downloads fails or finishes, without sleeps.
/// </summary>
internal sealed class GatedMirror : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Turn[] _turns;
    private readonly LoopbackServer _server;
    private int _arrived;

    private sealed record Turn(Action<HttpListenerContext> Answer)
    {
        public ManualResetEventSlim Arrived { get; } = new();
        public ManualResetEventSlim Released { get; } = new();
    }

    /// <param name="answers">How each request answers, in the order the requests arrive.</param>
    public GatedMirror(params Action<HttpListenerContext>[] answers)
    {
        _turns = answers.Select(a => new Turn(a)).ToArray();
        _server = new LoopbackServer(ctx =>
        {
            int n = Interlocked.Increment(ref _arrived) - 1;
            if (n >= _turns.Length)
            {
                NotFound(ctx);   // a request the test did not expect fails its download, which the test then sees
                return;
            }
            var turn = _turns[n];
            // Answered off the listener's loop, so the next request is taken while this one waits.
            _ = Task.Run(() =>
            {
                turn.Arrived.Set();
                turn.Released.Wait(Patience);
                try { turn.Answer(ctx); }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { }
            });
        });
    }

    /// <summary>Where the files are served.</summary>
    public Uri BaseUrl => _server.BaseUrl;

    /// <summary>Waits until request <paramref name="n"/> (0-based) has arrived, and so its download is under way.</summary>
    public void WaitArrived(int n) => Assert.True(_turns[n].Arrived.Wait(Patience), $"request {n} did not arrive");

    /// <summary>Lets request <paramref name="n"/> answer.</summary>
    public void Release(int n) => _turns[n].Released.Set();

    /// <summary>An answer: 404 Not Found.</summary>
    public static void NotFound(HttpListenerContext ctx)
    {
        ctx.Response.StatusCode = 404;
        ctx.Response.Close();
    }

    /// <summary>An answer: <paramref name="body"/> in full.</summary>
    public static Action<HttpListenerContext> Serves(byte[] body) => ctx => LoopbackServer.Send(ctx, body);

    public void Dispose()
    {
        foreach (var turn in _turns) turn.Released.Set();
        _server.Dispose();
    }
}
