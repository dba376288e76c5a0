using MetricsAdapter.ApiServer.Requests;
using Microsoft.AspNetCore.Http;

namespace MetricsAdapter.ApiServer.Tests.Requests;

public sealed class KubernetesRequestsTests
{
    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2500us", 2.5)]
    [InlineData("0", 0)]
    public void GoDuration_Parses(string text, double milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("10x")]
    [InlineData("-1s")]
    [InlineData("99999999999999999999h")]
    public void GoDuration_Rejects(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Theory]
    [InlineData(null, true)]
    [InlineData("application/json", true)]
    [InlineData("application/vnd.kubernetes.protobuf, */*", true)]
    [InlineData("application/vnd.kubernetes.protobuf", true)]
    [InlineData("application/json;as=Table;v=v1;g=meta.k8s.io,application/json", true)]
    [InlineData("APPLICATION/JSON", true)]
    [InlineData("text/html", false)]
    [InlineData("application/yaml", false)]
    public void RequireJsonAcceptable_ServesJsonToAnyoneWhoCanReadIt(string? accept, bool acceptable)
    {
        var context = new DefaultHttpContext();
        if (accept is not null)
        {
            context.Request.Headers.Accept = accept;
        }

        Assert.Equal(acceptable, KubernetesRequests.RequireJsonAcceptable(context.Request) is null);
    }
}
