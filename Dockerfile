# syntax=docker/dockerfile:1
# The adapter image: one binary, verbs `serve` (adapter) and, later, `sidecar` (the injected predictor).
# Build: docker build -t ghcr.io/metrics-adapter/metrics-adapter:0.1.0 .
# (No Docker engine runs on the development machines; CI images are built elsewhere.)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig ./
COPY src/ src/
RUN dotnet publish src/MetricsAdapter.Host/MetricsAdapter.Host.csproj -c Release -o /app --nologo \
    -p:InvariantGlobalization=true -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
# Non-root, matching runAsUser in manifests/deployment.yaml; the root filesystem can be read-only.
USER 64198:64198
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0
EXPOSE 6443
ENTRYPOINT ["dotnet", "/app/metrics-adapter.dll"]
CMD ["serve", "--listen=:6443"]
