package io.chainmux.bench.chart;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

/** Parses chart output with the JDK's XML parser, which rejects anything not well-formed. */
public final class ChartXml {
    private ChartXml() {}

    public static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = f.newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
        Element root = doc.getDocumentElement();
        if (!root.getLocalName().equals("svg") || !"http://www.w3.org/2000/svg".equals(root.getNamespaceURI())
                || !"1.1".equals(root.getAttribute("version"))) {
            throw new AssertionError("not an SVG 1.1 root element: " + root.getTagName());
        }
        return doc;
    }

    public static List<Element> elements(Document doc, String name) {
        NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", name);
        List<Element> list = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            list.add((Element) nodes.item(i));
        }
        return list;
    }

    public static List<String> texts(Document doc) {
        return elements(doc, "text").stream().map(Element::getTextContent).toList();
    }

    /** Bars are the rects with a tooltip. */
    public static List<Element> bars(Document doc) {
        return elements(doc, "rect").stream()
                .filter(r -> r.getElementsByTagNameNS("http://www.w3.org/2000/svg", "title").getLength() == 1)
                .toList();
    }

    public static double num(Element e, String attribute) {
        return Double.parseDouble(e.getAttribute(attribute));
    }
}
