"""Intake of the intake document (basisdocument nazorg), three ways through one service.

``document.parse_document`` validates one document (a dict, from the form, a file
row or the API); ``services.receive_intake`` turns a valid one into a case, once.
"""
