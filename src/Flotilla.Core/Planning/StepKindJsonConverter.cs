using Flotilla.Contracts;

namespace Flotilla.Planning;

/// <summary>
/// A <see cref="StepKind"/> as JSON: its name (<c>"keys-post"</c>), read back exactly; any other
/// value (a kind this version does not know, a number) is a <see cref="System.Text.Json.JsonException"/>
/// that names it. Public because the enum names it, and every assembly's source-generated context uses it.
/// </summary>
public sealed class StepKindJsonConverter() : EnumNameJsonConverter<StepKind>(StepKinds.Table, StepKinds.ToName, "step kind");
