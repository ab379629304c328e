using System.Text.Json;
using System.Text.Json.Serialization;
using Flotilla.Contracts;

namespace Flotilla.Planning;

/// <summary>What a plan (and the run of it) does to the selected hosts. Written by its name (<see cref="OperationNames.ToName"/>).</summary>
[JsonConverter(typeof(OperationJsonConverter))]
public enum Operation
{
    Deploy,
    Reboot,
    /// <summary>The selected hosts go back to their previous generation, a host before the hosts it depends on.</summary>
    Rollback,
    /// <summary>Services move from the NixOS units they replace to their containers (or back), one journaled step each, in dependency order.</summary>
    Migrate,
}

/// <summary>The names of <see cref="Operation"/>s, as plans, run journals and people write them (<c>deploy</c>).</summary>
public static class OperationNames
{
    private static readonly EnumNames<Operation> Names = new(ToName);

    /// <summary>Its name: <c>deploy</c>, <c>reboot</c>, <c>rollback</c>, <c>migrate</c>.</summary>
    public static string ToName(this Operation operation) => operation switch
    {
        Operation.Deploy => "deploy",
        Operation.Reboot => "reboot",
        Operation.Rollback => "rollback",
        Operation.Migrate => "migrate",
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };

    /// <summary>The operation with this name (exactly, lower case); false for any other text, numbers included.</summary>
    public static bool TryParse(string? name, out Operation operation) => Names.TryParse(name, out operation);

    /// <summary>The names this version knows, for messages: <c>deploy, reboot, rollback, migrate</c>.</summary>
    public static string KnownNames => Names.KnownNames;

    /// <summary>For <see cref="OperationJsonConverter"/>.</summary>
    internal static EnumNames<Operation> Table => Names;
}

/// <summary>An <see cref="Operation"/> as JSON: its name, read back exactly; anything else is a <see cref="JsonException"/> that names it.</summary>
public sealed class OperationJsonConverter() : EnumNameJsonConverter<Operation>(OperationNames.Table, OperationNames.ToName, "operation");
