using MetricsAdapter.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace MetricsAdapter.ApiServer.Tests.Security;

public sealed class RequestAttributesTests
{
    [Theory]
    [InlineData("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/predicted_load", "", "list resource \"predicted_load\" in API group \"external.metrics.k8s.io\" in the namespace \"shop\"")]
    [InlineData("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/Predicted_Load", "", "list resource \"predicted_load\" in API group \"external.metrics.k8s.io\" in the namespace \"shop\"")]
    [InlineData("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/predicted_load/x", "", "get resource \"predicted_load\" in API group \"external.metrics.k8s.io\" in the namespace \"shop\"")]
    [InlineData("GET", "/apis/apps/v1/namespaces/shop/deployments/web/scale", "", "get resource \"deployments/scale\" in API group \"apps\" in the namespace \"shop\"")]
    [InlineData("GET", "/apis/apps/v1/deployments", "?watch=true", "watch resource \"deployments\" in API group \"apps\" at the cluster scope")]
    [InlineData("DELETE", "/api/v1/namespaces/shop/pods", "", "deletecollection resource \"pods\" in API group \"\" in the namespace \"shop\"")]
    [InlineData("GET", "/api/v1/namespaces/shop", "", "get resource \"namespaces\" in API group \"\" at the cluster scope")]
    [InlineData("POST", "/apis/x/v1/namespaces/a/things", "", "create resource \"things\" in API group \"x\" in the namespace \"a\"")]
    [InlineData("GET", "/apis/external.metrics.k8s.io/v1beta1", "", "get path \"/apis/external.metrics.k8s.io/v1beta1\"")]
    [InlineData("GET", "/apis", "", "get path \"/apis\"")]
    [InlineData("GET", "/metrics", "", "get path \"/metrics\"")]
    [InlineData("POST", "/mutate", "?timeout=5s", "post path \"/mutate\"")]
    public void From_Request_DescribesTheAction(string method, string path, string query, string expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);

        Assert.Equal(expected, RequestAttributes.From(context.Request).Describe());
    }

    [Fact]
    public async Task AlwaysAllowPaths_MatchExactOrPrefix_NonResourceOnly()
    {
        var authorizer = new AlwaysAllowPathsAuthorizer(["/healthz", "/readyz/*"]);

        Assert.True(authorizer.Matches("/healthz"));
        Assert.False(authorizer.Matches("/healthz/ping"));
        Assert.True(authorizer.Matches("/readyz/shutdown"));
        Assert.False(authorizer.Matches("/metrics"));
        var resource = new RequestAttributes("get", "/healthz", IsResourceRequest: true);
        Assert.Equal(AuthorizationDecision.NoOpinion, (await authorizer.AuthorizeAsync(UserInfo.Anonymous, resource, CancellationToken.None)).Decision);
    }
}
