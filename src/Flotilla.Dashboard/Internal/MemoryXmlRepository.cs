using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Flotilla.Dashboard.Internal;

/// <summary>Data protection keys kept in memory: without it ASP.NET writes them to ~/.aspnet. Thread safe.</summary>
internal sealed class MemoryXmlRepository : IXmlRepository
{
    private readonly List<XElement> _elements = [];
    private readonly Lock _lock = new();

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_lock)
        {
            return [.. _elements.Select(e => new XElement(e))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_lock)
        {
            _elements.Add(new XElement(element));
        }
    }
}
