# syntax=docker/dockerfile:1
# Two images from one build, both tagged with the build's one version (Directory.Build.props):
#   docker build --target adapter -t ghcr.io/metrics-adapter/metrics-adapter:0.2.0 .
#   docker build --target sidecar -t ghcr.io/metrics-adapter/metrics-adapter-sidecar:0.2.0 .
# The sidecar image is the one the webhook injects (Injection:Image): the Native AOT predictor, no .NET runtime.
# (No Docker engine runs on the development machines; the same publish commands run in make bench-sidecar.)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig ./
COPY src/ src/
RUN dotnet publish src/MetricsAdapter.Host/MetricsAdapter.Host.csproj -c Release -o /app --nologo \
    -p:InvariantGlobalization=true -p:UseAppHost=false
RUN dotnet publish src/MetricsAdapter.Sidecar/MetricsAdapter.Sidecar.csproj -c Release -r linux-x64 -o /sidecar --nologo \
    && rm -f /sidecar/*.dbg /sidecar/*.pdb /sidecar/*.xml /sidecar/alpine-librdkafka.so

# The predictor sidecar: one native executable and librdkafka beside it, non-root, read-only root filesystem.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS sidecar
WORKDIR /sidecar
COPY --from=build /sidecar ./
USER 64198:64198
ENV DOTNET_EnableDiagnostics=0
EXPOSE 9464
ENTRYPOINT ["/sidecar/metrics-adapter-sidecar"]
CMD ["sidecar", "--listen=:9464"]

# The adapter (serve), last so that a plain `docker build .` builds it.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS adapter
WORKDIR /app
COPY --from=build /app ./
# Non-root, matching runAsUser in manifests/deployment.yaml; the root filesystem can be read-only.
USER 64198:64198
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0
EXPOSE 6443
ENTRYPOINT ["dotnet", "/app/metrics-adapter.dll"]
CMD ["serve", "--listen=:6443"]
