using System.Net;
using Flotilla.Tests.Support;
using Npgsql;

namespace Flotilla.Tests;

/// <summary>
/// <c>/healthz</c>, what a container healthcheck and a proxy ask: open to anyone, and it says
/// whether the store answers (a real PostgreSQL that stops taking connections, and takes them again).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class HealthTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Healthz_needs_no_credentials_and_answers_503_while_the_store_does_not_answer_and_ok_again_after()
    {
        using var login = new DashboardLogin();
        var database = await fixture.Cluster.CreateDatabaseAsync();
        var name = new Uri(database).AbsolutePath.TrimStart('/');
        await using var plane = await ControlPlaneHarness.StartAsync(new StoreTarget(null, database), login.Configure, login.Build);
        using var anonymous = new HttpClient { BaseAddress = new Uri(plane.BaseUrl) };

        using (var healthy = await anonymous.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
            Assert.Equal("ok\n", await healthy.Content.ReadAsStringAsync());
        }

        // The dashboard is on, so everything else needs a session or a token.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/hosts")).StatusCode);

        await AdministerAsync($"ALTER DATABASE {name} ALLOW_CONNECTIONS false", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
        try
        {
            // Twice: the first ask may find a pooled connection the database closed, the second
            // needs a new one, which the database refuses.
            for (var ask = 0; ask < 2; ask++)
            {
                using var down = await anonymous.GetAsync("/healthz");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
                var body = await down.Content.ReadAsStringAsync();
                Assert.Equal("unhealthy: the store does not answer (the server's log says why)\n", body);
            }

            // Why goes to the server's log (naming the database), not to whoever asks.
            Assert.True(plane.Log.Text.Contains($"/healthz: the store does not answer: 55000: database \"{name}\" is not currently accepting connections", StringComparison.Ordinal), plane.Log.Text);
        }
        finally
        {
            await AdministerAsync($"ALTER DATABASE {name} ALLOW_CONNECTIONS true");
        }

        await Eventually.WaitAsync(
            async () => (await anonymous.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK,
            () => "/healthz stayed unhealthy after the database took connections again: " + plane.Log.Text);
    }

    private async Task AdministerAsync(params string[] statements)
    {
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={fixture.Cluster.Port};Username=postgres;Database=postgres;Pooling=false");
        await connection.OpenAsync();
        foreach (var statement in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = statement;
            await command.ExecuteNonQueryAsync();
        }
    }
}
