using System.Collections.Immutable;
using System.Globalization;
using Flotilla.Inventory;

namespace Flotilla.Bench;

/// <summary>
/// Generates a fleet of N hosts with 5 services each and random acyclic dependencies: a host or
/// service only ever depends on ones generated before it, so the graph cannot have a cycle.
/// </summary>
internal static class FleetGenerator
{
    public const int ServicesPerHost = 5;

    public static Fleet Generate(int hostCount, int seed = 42)
    {
        var random = new Random(seed);
        var hosts = ImmutableArray.CreateBuilder<Host>(hostCount);
        var services = ImmutableArray.CreateBuilder<Service>(hostCount * ServicesPerHost);
        for (var h = 0; h < hostCount; h++)
        {
            var name = "host" + h.ToString("D5", CultureInfo.InvariantCulture);
            var dependsOn = h == 0 ? [] : Pick(random, h, 2).Select(i => "host" + i.ToString("D5", CultureInfo.InvariantCulture)).ToImmutableArray();
            hosts.Add(new Host
            {
                Name = name,
                Hostname = name,
                Target = new Target($"10.{h / 65536 % 256}.{h / 256 % 256}.{h % 256}"),
                Tags = [h % 10 == 0 ? "edge" : "core", "rack" + (h % 40).ToString(CultureInfo.InvariantCulture)],
                RebootOrder = h % 7,
                DependsOn = dependsOn,
                HealthChecks = [new HealthCheck { Kind = HealthCheckKind.Tcp, Port = 22 }],
            });
            for (var s = 0; s < ServicesPerHost; s++)
            {
                var index = h * ServicesPerHost + s;
                var serviceDependsOn = index < ServicesPerHost ? [] : Pick(random, index - s, 2).Select(i => "svc" + i.ToString("D6", CultureInfo.InvariantCulture)).ToImmutableArray();
                services.Add(new Service
                {
                    Name = "svc" + index.ToString("D6", CultureInfo.InvariantCulture),
                    Host = name,
                    Tier = h < hostCount / 10 ? ServiceTier.Core : ServiceTier.App,
                    // Dependencies only point at services on earlier hosts, so core services (the first
                    // tenth of the hosts) only ever need core services.
                    DependsOn = serviceDependsOn,
                    Ports = [8000 + s],
                    HealthChecks = [new HealthCheck { Kind = HealthCheckKind.Http, Url = $"http://localhost:{8000 + s}/health" }],
                });
            }
        }

        return new Fleet { SourcePath = "generated.json", Format = InventoryFormat.Json, Hosts = hosts.ToImmutable(), Services = services.ToImmutable() };
    }

    /// <summary>Up to <paramref name="count"/> distinct indexes below <paramref name="below"/>, biased to recent ones like real fleets.</summary>
    private static IEnumerable<int> Pick(Random random, int below, int count)
    {
        var picked = new HashSet<int>();
        var wanted = random.Next(count + 1);
        for (var i = 0; i < wanted; i++)
        {
            var window = Math.Min(below, 50);
            picked.Add(below - 1 - random.Next(window));
        }

        return picked.Order();
    }
}
