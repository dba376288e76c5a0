using System.Net;
using System.Net.Sockets;

namespace MetricsAdapter.Testing;

/// <summary>Ports for the servers a test starts.</summary>
public static class LoopbackPorts
{
    /// <summary>A loopback port the kernel just handed out and released, for a process to bind next.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
