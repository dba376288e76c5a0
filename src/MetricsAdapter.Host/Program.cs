using System.CommandLine;
using MetricsAdapter.Host.Cli;

var root = new RootCommand("MetricsAdapter: forecast-driven external metrics for the Kubernetes HorizontalPodAutoscaler.")
{
    ServeCommand.Create(),
    CertsCommand.Create(),
    EvaluateCommand.Create(),
    ExplainCommand.Create(),
    SimulateCommand.Create(),
    DevKafkaCommand.Create(),
    DemoAppCommand.Create(),
    TrainCommand.Create(),
};

// The web host handles SIGINT/SIGTERM itself and shuts down gracefully; the parser must not race it.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
