import BuiltIn

/// This virtlab's version (`virtlab --version`), as the command line and a class's version checks see it.
public let virtlabVersion = BuiltIn.version
