using Flotilla.ControlPlane.Store;

namespace Flotilla.Tests.Support;

/// <summary>Where a test's control plane keeps its state: a fresh SQLite data directory or a fresh PostgreSQL database.</summary>
public sealed record StoreTarget(string? DataDirectory, string? Database)
{
    public Task<IControlPlaneStore> OpenAsync() => ControlPlaneStores.OpenAsync(DataDirectory, Database);

    /// <summary>The CLI/server options that name this store.</summary>
    public string[] Arguments => Database is null ? ["--data-dir", DataDirectory!] : ["--database", Database];
}

/// <summary>Gives each test its own store; the same test classes run on SQLite and PostgreSQL.</summary>
public interface IStoreTargets
{
    Task<StoreTarget> NewAsync();
}

public sealed class SqliteTargets : IStoreTargets, IDisposable
{
    private readonly TempDirectory _directory = new();
    private int _count;

    public Task<StoreTarget> NewAsync() =>
        Task.FromResult(new StoreTarget(Path.Combine(_directory.Path, $"data{Interlocked.Increment(ref _count)}"), null));

    public void Dispose() => _directory.Dispose();
}

public sealed class PostgresTargets(PostgresFixture fixture) : IStoreTargets
{
    public async Task<StoreTarget> NewAsync() => new(null, await fixture.Cluster.CreateDatabaseAsync());
}
