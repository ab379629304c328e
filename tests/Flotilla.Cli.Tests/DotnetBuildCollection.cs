namespace Flotilla.Tests;

/// <summary>Tests that run the .NET SDK (publish, pack, tool install): never in parallel with each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DotnetBuildCollection
{
    public const string Name = "dotnet builds";
}
