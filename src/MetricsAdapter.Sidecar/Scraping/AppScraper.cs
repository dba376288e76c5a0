using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using MetricsAdapter.Sidecar.Exposition;

namespace MetricsAdapter.Sidecar.Scraping;

/// <summary>One scrape: the snapshot read, or why there is none; and how long it took.</summary>
public sealed record ScrapeResult(ScrapeSnapshot? Snapshot, string? ErrorKind, string? ErrorMessage, TimeSpan Duration)
{
    public bool Succeeded => Snapshot is not null;
}

/// <summary>
/// Scrapes the app's metrics endpoint on localhost. Asks for OpenMetrics first and the text format second, as a
/// Prometheus server does; follows no redirects and uses no proxy; gives up at the timeout, which is shorter than the
/// interval, so a slow app never makes scrapes pile up. Any failure is a result, never an exception.
/// </summary>
public sealed class AppScraper : IDisposable
{
    private const string Accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    private readonly HttpClient _client;
    private readonly SidecarOptions _options;
    private readonly ExpositionParser _parser = new();
    private readonly ulong _seed;
    private readonly TimeProvider _timeProvider;

    public AppScraper(SidecarOptions options, TimeProvider timeProvider, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options;
        _timeProvider = timeProvider;
        _client = new HttpClient(handler ?? new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = options.ScrapeInterval * 3,
            ConnectTimeout = options.ScrapeTimeout,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _client.DefaultRequestHeaders.Accept.ParseAdd(Accept);
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("metrics-adapter-sidecar", Core.BuildVersion.Semantic));
        // The series identity is keyed per process, so hashes mean nothing outside it.
        _seed = (ulong)Random.Shared.NextInt64();
    }

    public async Task<ScrapeResult> ScrapeAsync(CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ScrapeTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _options.ScrapeUri);
            request.Headers.TryAddWithoutValidation("X-Prometheus-Scrape-Timeout-Seconds", _options.ScrapeTimeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return Failed(ScrapeErrors.HttpStatus, $"HTTP {(int)response.StatusCode} from {_options.ScrapeUri}", started);
            }

            var snapshot = new ScrapeSnapshot(_options.Conventions, _options.ErrorStatusPrefixes, _seed, _options.MaxSeries);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            if (await _parser.ParseAsync(body, snapshot, timeout.Token).ConfigureAwait(false) is { } error)
            {
                return Failed(error.Kind, error.ToString(), started);
            }

            return new ScrapeResult(snapshot, null, null, _timeProvider.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(ScrapeErrors.Timeout, $"no complete answer from {_options.ScrapeUri} within {_options.ScrapeTimeout.TotalSeconds}s", started);
        }
        catch (HttpRequestException exception)
        {
            return Failed(ScrapeErrors.Unreachable, $"{_options.ScrapeUri}: {exception.Message}", started);
        }
        catch (IOException exception) when (exception.InnerException is SocketException or null)
        {
            return Failed(ScrapeErrors.Unreachable, $"{_options.ScrapeUri}: {exception.Message}", started);
        }
    }

    private ScrapeResult Failed(string kind, string message, long started) =>
        new(null, kind, message, _timeProvider.GetElapsedTime(started));

    public void Dispose() => _client.Dispose();
}
