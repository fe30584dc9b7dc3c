using System.Net;
using System.Net.Sockets;

namespace Backprop.Tests.Data;

/// <summary>
/// An HTTP server on 127.0.0.1 for download tests: serves each request through a handler until disposed. Only loopback
/// addresses are ever used.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;

    public LoopbackServer(Action<HttpListenerContext> handle)
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                BaseUrl = new Uri($"http://127.0.0.1:{port}/data/");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                try { handle(ctx); }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { }
            }
        });
    }

    /// <summary>Where the files are served: <c>http://127.0.0.1:{port}/data/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Requests served, by path.</summary>
    public List<string> Requests { get; } = [];

    /// <summary>A loopback port on which nothing listens (so a connection is refused).</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Answers with <paramref name="body"/> in full.</summary>
    public static void Send(HttpListenerContext ctx, byte[] body)
    {
        ctx.Response.ContentLength64 = body.Length;
        ctx.Response.OutputStream.Write(body);
        ctx.Response.Close();
    }

    public void Dispose()
    {
        // Close alone: after Stop, the managed listener's Close looks the port up again to remove its prefix, binding
        // it anew, and fails with "Address already in use" when another test's server has taken the port meanwhile.
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
